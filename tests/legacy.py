"""What the legacy page holds, shared by the demo loader and importer tests."""

EXPECTED_ITEMS_PER_EDITION = {1: 9, 2: 14, 3: 38}
EXPECTED_ITEMS_PER_KIND = {
    "highlights": 10,
    "actions": 9,
    "openings": 5,
    "observations": 5,
    "reflections": 9,
    "nuggets": 6,
    "takeaways": 8,
    "feedback": 9,
}
EXPECTED_SECTIONS = {
    1: ["highlights", "feedback", "resources"],
    2: ["feedback", "reflections", "nuggets", "resources"],
    3: [
        "highlights",
        "text",
        "actions",
        "openings",
        "actions",
        "observations",
        "reflections",
        "resources",
        "takeaways",
    ],
}
#: What readers see of them: each edition's empty “resources” section (a
#: heading with nothing under it) is shown nowhere.
EXPECTED_PUBLIC_SECTIONS = {
    number: [kind for kind in kinds if kind != "resources"]
    for number, kinds in EXPECTED_SECTIONS.items()
}
