"""The words generated editions are made of.

Sentences come from the legacy page of "Les petites ébullitions du Vendredi"
(``shared/seed/petites-ebullitions-legacy-page.txt``) and the demo data
(``home/demo_data/petites-ebullitions.yaml``), with variations in the same voice.
Item texts are HTML fragments, as stored in rich text (``&`` is ``&amp;``).
"""

#: About thirty themes, the most common first (drawn with decreasing weights).
THEMES = [
    "numérique",
    "isolement",
    "aller-vers",
    "parentalité",
    "lien social",
    "bénévolat",
    "accès aux droits",
    "jeunesse",
    "santé mentale",
    "seniors",
    "posture professionnelle",
    "confinement",
    "alimentation",
    "épicerie solidaire",
    "précarité",
    "scolarité",
    "alphabétisation",
    "culture",
    "jeux",
    "handicap",
    "logement",
    "mobilité",
    "emploi",
    "environnement",
    "participation des habitants",
    "partenariats",
    "gouvernance",
    "vacances",
    "santé",
    "noël",
]

PLACES = [
    "Saint-Nazaire",
    "Rezé",
    "Nantes Nord",
    "Châteaubriant",
    "Clisson",
    "Ancenis",
    "Saint-Herblain",
    "Bouguenais",
    "Pornic",
    "Guérande",
    "Blain",
    "Vertou",
    "Orvault",
    "Couëron",
    "Machecoul",
]

TITLES = [
    "Petite ébullition du Vendredi n° {number}",
    "La petite ébullition n° {number}",
    "Petite ébullition n° {number} : {theme}",
]

INTROS = [
    "Beau moment pour cette {number}<sup>e</sup> édition de la petite ébullition "
    "du Vendredi.",
    "Vendredi dernier, nous avons passé un bon moment lors de cette édition, et "
    "nous vous remercions pour votre participation. En voici la synthèse :",
    "Pour cette petite ébullition, la participation était moins importante que "
    "les semaines précédentes, mais pour autant, nous avons pu échanger de belles "
    "réflexions autour du thème « {theme} ».",
    "Un grand merci à ceux et celles qui ont contribué. Bénévoles &amp; "
    "professionnel·le·s de {place} ont partagé ce qui se vit dans leur structure.",
    "Ce rendez-vous se veut être un espace d’échange, pour témoigner de ce qui se "
    "joue au cœur des territoires, cette semaine autour de « {theme} ».",
]

PARTICIPATION_NOTES = [
    "",
    "",
    "",
    "Participation moins importante que les semaines précédentes.",
    "Une vingtaine de participants, bénévoles et professionnels.",
    "Belle participation des Centres du nord du département.",
]

#: Per section type: headings seen on the legacy page, then items.
HEADINGS = {
    "highlights": [
        "Ce qui a été partagé",
        "Retour sur...",
        "Retour sur ce qui s’est dit",
        "Les temps forts de l’échange",
    ],
    "actions": [
        "Partage de ce qui est fait pour noël dans les structures",
        "Les autres partages d’actions en vrac",
        "Les actions partagées par les Centres",
        "Ce qui se fait dans les structures",
    ],
    "openings": [
        "Partage des différentes ouvertures des Centres Sociaux",
        "Ce qui reste ouvert dans les Centres",
        "Les ouvertures des structures cette semaine",
    ],
    "observations": [
        "Les constats et remontés d’habitants",
        "Ce que nous disent les habitants",
        "Les constats partagés",
    ],
    "reflections": [
        "Les réflexions de fond partagées",
        "Les réflexions de fonds",
        "Pour prendre du recul",
    ],
    "questions": [
        "Des interrogations partagées",
        "Les questions qui restent ouvertes",
        "Nos interrogations communes",
    ],
    "nuggets": [
        "Les pépites et pistes d’action qui ont été partagées",
        "Les pépites du réseau",
        "Des idées à essaimer",
    ],
    "takeaways": [
        "Ce dont nous avons parlé et ce que vous en retenez",
        "Informations & actualités du réseau",
        "Ce que vous en retenez",
    ],
    "feedback": [
        "Les retours sur ce format de Petite Ébullition",
        "Vous avez apprécié ce temps …",
        "Vos retours sur cette rencontre",
    ],
    "resources": [
        "Les ressources partagées",
        "Pour aller plus loin",
        "Les différents liens partagés",
    ],
    "text": ["", "", "Bilan", "En bref"],
}

ITEMS = {
    "highlights": [
        "De nombreuses belles initiatives partout dans le réseau pour adapter les "
        "activités, garder le lien avec les habitants et faire vivre la solidarité.",
        "Des contextes différents en fonction des collectivités.",
        "Le constat du mal-être de certains habitants, notamment les plus isolés.",
        "Un sentiment de ras-le-bol sur cette période qui dure, la patience qui "
        "commence à manquer…",
        "La véritable nécessité d’aller vers, chez les gens, devant chez eux pour "
        "créer de vrais liens qui s’inscrivent sur la durée.",
        "La question de la posture d’écoute. Écouter oui, mais aussi entendre ce "
        "qui n’est pas dit.",
        "Les inégalités face aux outils numériques : équipement, usage, appétence.",
        "La place des bénévoles dans les actions du Centre Social.",
        "Des familles qui répondent présentes aux ateliers parents &amp; enfants.",
        "Le besoin de se retrouver en vrai, même en petit comité.",
    ],
    "actions": [
        "Un calendrier de l’avent avec chaque jour une proposition de petite "
        "activité à faire en famille.",
        "Des boites solidaires à offrir.",
        "Des spectacles pour les familles, en attente des consignes sanitaires.",
        "Des activités dans l’espace public en mini-collectif pendant les vacances.",
        "Épicerie solidaire : un échange de coups de main contre colis "
        "alimentaires, sans notion d’argent.",
        "Festival autour du jeu réalisé en ligne, belle mobilisation pour une "
        "première.",
        "Phoning auprès des 60 ans et +.",
        "Maintien d’ateliers en visio (couture par exemple).",
        "Des permanences numériques pour accompagner les démarches en ligne.",
        "Un café des parents sur le marché le samedi matin.",
        "Des balades « aller-vers » au pied des immeubles avec les animateurs.",
    ],
    "openings": [
        "Ouvert pour la ludothèque.",
        "Ouvert pour mise à disposition d’ordinateurs, imprimantes…",
        "Ouvert pour l’épicerie solidaire.",
        "Certaines collectivités interdisent l’accès aux bénévoles dans la structure.",
        "Ouvert pour certaines activités (parentalité, périscolaire, "
        "accompagnement à la scolarité, alphabétisation…).",
        "Accueil sur rendez-vous uniquement.",
        "Ouvert pour l’accompagnement aux démarches administratives.",
        "Fermé au public, mais l’équipe reste joignable par téléphone.",
    ],
    "observations": [
        "Les grands-parents se sentent éloignés, isolés par rapport à leurs familles.",
        "Des personnes isolées par rapport aux propositions du numérique. "
        "Certaines personnes ne souhaitent pas utiliser les outils.",
        "Isolement de parents avec de jeunes enfants.",
        "Pour certains jeunes aussi c’est compliqué.",
        "Le besoin de vivre un monde « en vrai ».",
        "Des habitants qui découvrent le Centre Social pour la première fois.",
        "Des difficultés à accéder aux droits depuis la fermeture des guichets.",
        "La fracture numérique touche aussi des actifs et des étudiants.",
        "Une fatigue des familles face à l’école à la maison.",
        "Des seniors qui n’osent plus sortir faire leurs courses.",
    ],
    "reflections": [
        "Le numérique ne doit pas être la seule solution pour maintenir le lien "
        "social.",
        "Le numérique doit rester un choix et non un mode de fonctionnement imposé.",
        "La santé mentale des gens doit-elle être considérée comme un bien de "
        "première nécessité ?",
        "Notre posture professionnelle évolue, comment permettre à chacun de s’y "
        "retrouver.",
        "Cette crise sanitaire entraîne une quête de sens généralisée (dans la "
        "consommation, dans le travail, dans l’engagement…).",
        "L’importance de développer le « Aller-Vers » pour avoir une lecture plus "
        "fine de ce qui se vit sur les territoires.",
        "La complexité parfois de garder le lien et d’échanger entre bénévoles et "
        "salariés.",
        "La nécessité de garder un esprit critique vis-à-vis du tout numérique.",
    ],
    "questions": [
        "Comment les bénévoles peuvent prendre plus de place dans les actions du CSC ?",
        "Comment repérer les personnes en fragilité sur le territoire, notamment "
        "ceux qui ne sont pas dans nos radars ?",
        "Comment allons-nous retrouver les habitants après les fêtes ?",
        "Pouvons-nous nous autoriser à maintenir des mini-collectifs physiques ?",
        "Comment toucher ceux qui sont éloignés du numérique ?",
        "Quelle place pour les jeunes dans la gouvernance des Centres ?",
        "Comment faire remonter à nos dirigeants la nécessité de maintenir le lien "
        "social ?",
    ],
    "nuggets": [
        "Des réflexions pour équiper les administrateurs en casques et micros, "
        "voire tablette pour garder le lien même à distance.",
        "Des habitants-relais pour faire l’intermédiaire entre les habitants en "
        "difficultés et le Centre Social.",
        "Le partenariat avec les facteurs, ou encore les petits commerces pour "
        "identifier les habitants en difficultés.",
        "L’expérimentation du soutien numérique à domicile.",
        "Le maintien des cours d’alphabétisation, essentiels à la continuité de "
        "l’accès aux droits.",
        "L’utilisation d’un journal de quartier pour maintenir le lien avec les "
        "habitants.",
        "Une boîte à idées itinérante pour recueillir la parole des habitants.",
        "Des ateliers parents/ados en visio, animés à deux voix.",
    ],
    "takeaways": [
        "La Fédération va permettre aux structures du réseau de s’équiper d’un "
        "compte de visio à un tarif réduit.",
        "L’État finance la formation et le déploiement de conseillers numériques : "
        "une opportunité pour les Centres Sociaux.",
        "Penser l’action numérique en lien avec les partenaires locaux, pour agir "
        "en complémentarité.",
        "Le numérique oui mais pas que : des outils alternatifs et des canaux "
        "d’information pour toucher ceux qui en sont éloignés.",
        "Sur l’accompagnement à la parentalité, les Centres maintiennent leur "
        "action et les parents répondent présents.",
        "Retrouvez les textes officiels en lien avec l’action des Centres Sociaux "
        "sur le site ressource.",
        "Un point d’information autour du Réseau Jeunes national.",
    ],
    "feedback": [
        "Pour la richesse de l’échange et la rencontre de bénévoles et "
        "professionnels d’autres territoires.",
        "Pour la découverte de belles initiatives.",
        "Pour la possibilité de confronter les difficultés rencontrées.",
        "Pour mieux vous outiller et vous informer sur le cadre réglementaire.",
        "Pour la convivialité, et notamment pour les temps d’échange en sous-groupe.",
        "Intéressant de partager/découvrir les différentes pratiques dans les "
        "autres Centres.",
        "Un réel besoin de voir ce qui se fait ailleurs et de réfléchir "
        "collectivement.",
    ],
    "resources": [
        "Le guide des démarches en ligne, à imprimer pour les accueils.",
        "La note de la Fédération sur l’ouverture des Centres.",
        "Le compte rendu de la rencontre départementale.",
    ],
}

#: Items of a kind without words of its own.
GENERIC_ITEMS = [
    sentence for kind in ("highlights", "nuggets") for sentence in ITEMS[kind]
]


def headings(kind, declaration=None):
    """Headings of ``kind``: its own words, else its declared default heading."""
    if kind in HEADINGS:
        return HEADINGS[kind]
    return [str(declaration.heading) if declaration else kind]


def items(kind):
    """Item sentences of ``kind``: its own, else generic ones (never a KeyError)."""
    return ITEMS.get(kind) or GENERIC_ITEMS


def field_value(rng, field):
    """A value of an item field (:class:`recaps.kinds.ItemField`) by its type."""
    if field.type == "url":
        return rng.choice(LINKS)[1]
    if field.type == "rich_text":
        return f"<p>{rng.choice(SUB_ITEMS).format(place=rng.choice(PLACES))}</p>"
    return f"Centre social de {rng.choice(PLACES)}"


SUB_ITEMS = [
    "Comment travailler plus conjointement avec les professionnels ?",
    "Comment se rendre plus utile pour les habitants ?",
    "Par exemple, avec le maintien d’ateliers Parents/Ados.",
    "Entre autres : ludothèque, épicerie, accueil.",
    "Avec le soutien de la CAF et de la commune.",
    "Une piste à creuser avec les partenaires locaux.",
    "Testé à {place}, à essaimer ailleurs.",
    "Les bénévoles &amp; salariés s’y relaient chaque semaine.",
]

TEXTS = [
    "Nous avons également pu faire le bilan de ces petites ébullitions, jugées "
    "comme une belle initiative pour favoriser la rencontre, faire réseau, créer "
    "du lien, s’inspirer… À poursuivre dans un format peut-être différent.",
    "Merci à toutes et tous pour ces échanges riches. Rendez-vous vendredi "
    "prochain, même heure, même lien.",
    "Les Centres de {place} ont présenté leur démarche « {theme} » : un temps "
    "pour s’inspirer, valoriser et partager !",
]

#: Links shared in resources sections (title, URL, description).
LINKS = [
    (
        "Conseillers numériques France Services",
        "https://www.conseiller-numerique.gouv.fr/",
        "Des conseillers pour accompagner les habitants au numérique.",
    ),
    (
        "Le site ressource de la Fédération",
        "http://ressources-fdcsx44.fr/",
        "Textes officiels, décrets et notes en lien avec l’action des Centres.",
    ),
    (
        "Fédération des centres sociaux et socioculturels de France",
        "https://www.centres-sociaux.fr/",
        "",
    ),
    ("Service-public.fr", "https://www.service-public.fr/", "Démarches et droits."),
    ("Mes droits sociaux", "https://www.mesdroitssociaux.gouv.fr/", ""),
    (
        "Caisse d’allocations familiales",
        "https://www.caf.fr/",
        "Aides aux familles & parentalité.",
    ),
    ("France Services", "https://www.france-services.gouv.fr/", ""),
    (
        "Psycom : santé mentale info",
        "https://www.psycom.org/",
        "Pour parler de santé mentale avec les habitants.",
    ),
    ("Les Petits Frères des Pauvres", "https://www.petitsfreresdespauvres.fr/", ""),
    ("Pix : cultiver ses compétences numériques", "https://pix.fr/", ""),
]
