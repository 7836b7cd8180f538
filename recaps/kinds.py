"""The kinds of list sections: one declaration each, every surface derived from it.

A kind is its machine name (the ``type`` of the API, the block's name in the
body), the editors' label, the default heading, icon, description and preview
of the editor's menu, and the fields of its items. Every item has a rich
``text`` and ``children`` (sub-items); a kind may give its items more fields
(:class:`ItemField`, e.g. who carries a decision) and may hold ``links``.

From :data:`SECTION_KINDS`, :mod:`recaps.blocks` builds the StreamField blocks
(their admin form, API form, searchable text and emptiness); the API's
serializers and schema, search snippets, the importers' section mappings
(:mod:`recaps.stream`, :mod:`recaps.importers.writer`), the generic section
templates (page, PDF, feeds) and the generator read the declaration through
the blocks. Adding a kind is one entry here, a migration and its
translations (see ``docs/architecture.md``); the importers' heading rules
(:mod:`recaps.importers.mapping`) and the generator's words
(:mod:`recaps.generator.vocabulary`) are optional.

This module declares, it does not import the blocks: it is plain data.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

#: Types of item fields: one line of plain text, a rich text (bold, italic,
#: links), an address.
ITEM_FIELD_TYPES = ("text", "rich_text", "url")


@dataclass(frozen=True)
class ItemField:
    """A field of the items of a kind besides their ``text`` and ``children``.

    Its ``name`` is its key in the stored block value, in the API's item and
    in the importers' item mapping.
    """

    name: str
    label: str
    type: str = "text"
    help_text: str = ""
    required: bool = False

    def __post_init__(self):
        if self.type not in ITEM_FIELD_TYPES:
            raise ValueError(f"unknown item field type {self.type!r}")
        if self.name in {"text", "children", "html"}:
            raise ValueError(f"{self.name!r} is a field of every item")


@dataclass(frozen=True)
class SectionKind:
    """One kind of list section (see the module docstring).

    ``preview``: item texts (HTML) of the editors' preview; ``preview_links``
    the preview's links (kinds with ``links``). ``template`` overrides the
    generic page template (``recaps/blocks/section.html``).
    """

    name: str
    label: str
    heading: str
    icon: str
    description: str
    preview: tuple = ()
    item_fields: tuple = ()
    links: bool = False
    preview_links: tuple = ()
    template: str = "recaps/blocks/section.html"


#: The list sections in the editors' menu order (before free text and media).
SECTION_KINDS = [
    SectionKind(
        name="highlights",
        label=_("Highlights"),
        heading=_("What was shared"),
        icon="pick",
        description=_(
            "The main points of the meeting (“Retour sur…”, “Ce qui a été partagé”)."
        ),
        preview=(
            "<p>De nombreuses belles initiatives partout dans le réseau pour "
            "adapter les activités.</p>",
        ),
    ),
    SectionKind(
        name="actions",
        label=_("Shared actions"),
        heading=_("Actions shared by the centres"),
        icon="tasks",
        description=_(
            "What the centres do and shared (“Partage de ce qui est fait pour Noël”)."
        ),
        preview=(
            "<p>Un calendrier de l’avent avec chaque jour une proposition de "
            "petite activité.</p>",
        ),
    ),
    SectionKind(
        name="openings",
        label=_("Openings of the centres"),
        heading=_("How the social centres are open"),
        icon="home",
        description=_(
            "Which services of the centres stay open (“Ouvert pour la ludothèque”)."
        ),
        preview=("<p>Ouvert pour l’épicerie solidaire</p>",),
    ),
    SectionKind(
        name="observations",
        label=_("Observations from residents"),
        heading=_("Observations and feedback from residents"),
        icon="view",
        description=_(
            "What residents told the centres (“constats et remontées d’habitants”)."
        ),
        preview=(
            "<p>Les grands-parents se sentent éloignés, isolés par rapport à "
            "leurs familles.</p>",
        ),
    ),
    SectionKind(
        name="reflections",
        label=_("Deeper reflections"),
        heading=_("Deeper reflections"),
        icon="comment",
        description=_("Questions of substance raised together (“réflexions de fond”)."),
        preview=(
            "<p>Le numérique doit rester un choix et non un mode de "
            "fonctionnement imposé.</p>",
        ),
    ),
    SectionKind(
        name="questions",
        label=_("Shared questions"),
        heading=_("Shared questions"),
        icon="help",
        description=_(
            "Open questions the participants share (“interrogations partagées”)."
        ),
        preview=(
            "<p>Comment repérer les personnes en fragilité sur le territoire ?</p>",
        ),
    ),
    SectionKind(
        name="nuggets",
        label=_("Nuggets and action ideas"),
        heading=_("Nuggets and action ideas shared"),
        icon="success",
        description=_("Ideas worth copying (“pépites et pistes d’action”)."),
        preview=(
            "<p>Des habitants-relais pour faire l’intermédiaire entre les "
            "habitants et le Centre Social.</p>",
        ),
    ),
    SectionKind(
        name="takeaways",
        label=_("Takeaways and information"),
        heading=_("What we talked about and what you take away"),
        icon="info-circle",
        description=_(
            "Information given and what participants remember (“ce que vous en "
            "retenez”)."
        ),
        preview=(
            "<p>La Fédération va permettre aux structures de s’équiper d’un "
            "compte Zoom.</p>",
        ),
    ),
    SectionKind(
        name="feedback",
        label=_("Feedback on the format"),
        heading=_("Your feedback on this format"),
        icon="mail",
        description=_(
            "What participants said of the meeting itself (“vous avez apprécié”)."
        ),
        preview=(
            "<p>Pour la richesse de l’échange et la rencontre de bénévoles "
            "d’autres territoires.</p>",
        ),
    ),
    SectionKind(
        name="resources",
        label=_("Resources and links"),
        heading=_("Resources shared"),
        icon="link",
        description=_("Links and documents shared (“Pour aller plus loin”)."),
        links=True,
        preview_links=(
            {
                "title": "Conseillers numériques",
                "url": "https://www.conseiller-numerique.gouv.fr/",
                "description": "",
            },
        ),
    ),
]
