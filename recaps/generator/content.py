"""The content of one generated edition, drawn from a seed.

Each edition has its own random generator seeded with ``(seed, number)``: the
same seed gives the same editions, and edition 12 is the same whether 20 or
20,000 editions are generated.
"""

import datetime
import random
import uuid
from dataclasses import dataclass, field

from ..blocks import SECTION_TYPES, section_kinds
from ..models.edition import MeetingFormat
from ..stream import section_to_stream
from . import vocabulary as words

#: Editions are dated on Fridays from this one on, five a week (five local groups).
FIRST_FRIDAY = datetime.date(1980, 1, 4)
EDITIONS_PER_FRIDAY = 5
SECTIONS = (8, 12)
ITEMS = (3, 8)
THEMES_PER_EDITION = (2, 5)
LINKS = (1, 4)
SUB_ITEM_CHANCE = 0.25
LINK_IN_ITEM_CHANCE = 0.1
PLACE_CHANCE = 0.3
#: Decreasing weights: "numérique" is the most common theme, "noël" the rarest.
THEME_WEIGHTS = [1 / (rank + 1) ** 0.8 for rank in range(len(words.THEMES))]
FORMAT_WEIGHTS = {
    MeetingFormat.VISIO: 6,
    MeetingFormat.PRESENTIEL: 2,
    MeetingFormat.HYBRIDE: 2,
}


@dataclass
class EditionContent:
    """Field values of one edition page; ``body`` is raw StreamField data."""

    number: int
    title: str
    slug: str
    date: datetime.date
    format: str
    participation_note: str
    intro: str
    themes: list[str]
    body: list[dict]
    section_types: list[str] = field(default_factory=list)

    def page_fields(self):
        """The edition's own fields (besides title and slug), as page keywords."""
        return {
            "edition_number": self.number,
            "date": self.date,
            "format": self.format,
            "participation_note": self.participation_note,
            "intro": self.intro,
            "body": self.body,
        }


def edition_date(number):
    """Friday of the meeting of edition ``number`` (1-based)."""
    return FIRST_FRIDAY + datetime.timedelta(weeks=(number - 1) // EDITIONS_PER_FRIDAY)


class EditionDrawer:
    """Draw editions for one seed; ``draw(number)`` is a pure function of both."""

    def __init__(self, seed):
        self.seed = seed

    def draw(self, number):
        rng = random.Random(f"{self.seed}:{number}")  # noqa: S311 (not security)

        def new_id():
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))

        themes = self._themes(rng)
        fill = {"number": number, "theme": themes[0], "place": rng.choice(words.PLACES)}
        kinds = self._section_kinds(rng)
        sections = [self._section(rng, kind, themes) for kind in kinds]
        return EditionContent(
            number=number,
            title=rng.choice(words.TITLES).format(**fill),
            slug=f"petite-ebullition-{number}",
            date=edition_date(number),
            format=rng.choices(
                list(FORMAT_WEIGHTS), weights=list(FORMAT_WEIGHTS.values())
            )[0].value,
            participation_note=rng.choice(words.PARTICIPATION_NOTES),
            intro=f"<p>{rng.choice(words.INTROS).format(**fill)}</p>",
            themes=themes,
            body=[section_to_stream(section, new_id) for section in sections],
            section_types=kinds,
        )

    def _themes(self, rng):
        count = rng.randint(*THEMES_PER_EDITION)
        chosen = []
        while len(chosen) < count:
            theme = rng.choices(words.THEMES, weights=THEME_WEIGHTS)[0]
            if theme not in chosen:
                chosen.append(theme)
        return chosen

    def _section_kinds(self, rng):
        """8 to 12 sections: most kinds once, some twice, resources near the end."""
        count = rng.randint(*SECTIONS)
        kinds = rng.sample(SECTION_TYPES, k=min(count, len(SECTION_TYPES)))
        kinds += rng.choices(
            [kind for kind in SECTION_TYPES if kind not in ("text", "resources")],
            k=count - len(kinds),
        )
        if "resources" in kinds:
            kinds.remove("resources")
            kinds.append("resources")
        return kinds

    def _sentence(self, rng, choices, themes):
        text = rng.choice(choices).format(place=rng.choice(words.PLACES))
        if text.endswith(".") and rng.random() < PLACE_CHANCE:
            text = f"{text[:-1]} à {rng.choice(words.PLACES)}."
        if rng.random() < LINK_IN_ITEM_CHANCE:
            title, url, _ = rng.choice(words.LINKS)
            text += f' Voir <a href="{url}">{title}</a>.'
        return text

    def _section(self, rng, kind, themes):
        declaration = section_kinds().get(kind)
        heading = rng.choice(words.headings(kind, declaration))
        if kind == "text":
            paragraphs = rng.sample(words.TEXTS, k=rng.randint(1, 2))
            fill = {"place": rng.choice(words.PLACES), "theme": rng.choice(themes)}
            return {
                "type": "text",
                "heading": heading,
                "text": "".join(f"<p>{p.format(**fill)}</p>" for p in paragraphs),
            }
        if kind == "resources":
            item_count = rng.randint(0, 2)
        else:
            item_count = rng.randint(*ITEMS)
        items = []
        for _ in range(item_count):
            item = {"text": self._sentence(rng, words.items(kind), themes)}
            for item_field in declaration.item_fields:
                item[item_field.name] = words.field_value(rng, item_field)
            if rng.random() < SUB_ITEM_CHANCE:
                item["children"] = [
                    {"text": self._sentence(rng, words.SUB_ITEMS, themes)}
                    for _ in range(rng.randint(1, 3))
                ]
            items.append(item)
        section = {
            "type": kind,
            "heading": heading,
            "intro": "<p>Entre autres :</p>" if rng.random() < 0.2 else "",
            "items": items,
        }
        if declaration.links:
            section["links"] = [
                {"title": title, "url": url, "description": description}
                for title, url, description in rng.sample(
                    words.LINKS, k=rng.randint(*LINKS)
                )
            ]
        return section
