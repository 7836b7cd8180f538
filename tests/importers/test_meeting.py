"""The meeting a recap tells of (recaps/importers/meeting.py)."""

import datetime

import pytest

from recaps.importers.meeting import read_meeting

TODAY = datetime.date(2026, 12, 7)


@pytest.mark.parametrize(
    ("text", "date", "meeting_format", "venue"),
    [
        (
            "Vendredi 15 mai, nous étions au centre social de la Bottière pour "
            "échanger.",
            datetime.date(2026, 5, 15),
            "presentiel",
            "centre social de la Bottière",
        ),
        (
            "Rencontre en visio le 1er décembre 2025.",
            datetime.date(2025, 12, 1),
            "visio",
            "",
        ),
        (
            "Le 12/03/2026 à la maison de quartier des Dervallières, et en visio "
            "pour les autres.",
            datetime.date(2026, 3, 12),
            "hybride",
            "maison de quartier des Dervallières",
        ),
        (
            "Une rencontre hybride, vendredi 4 décembre.",
            datetime.date(2026, 12, 4),
            "hybride",
            "",
        ),
        ("Beau moment pour cette édition du Vendredi.", None, None, ""),
        ("Nous étions dans la grande salle.", None, "presentiel", "grande salle"),
        (
            "Dans la salle des fêtes pour les uns, sur Zoom pour les autres.",
            None,
            "hybride",
            "salle des fêtes",
        ),
        (
            "Dans le local de l’association.",
            None,
            "presentiel",
            "local de l’association",
        ),
        ("Rencontre sur Zoom.", None, "visio", ""),
    ],
)
def test_date_format_and_venue_are_read(text, date, meeting_format, venue):
    meeting = read_meeting(text, today=TODAY)
    assert (meeting.date, meeting.format, meeting.venue) == (
        date,
        meeting_format,
        venue,
    )
    assert bool(meeting) == bool(date or meeting_format or venue)


def test_the_weekday_chooses_the_year():
    """“Vendredi 15 mai” is the 15 May that is a Friday (2026), not the nearest
    15 May when that one is another day."""
    assert read_meeting("vendredi 15 mai", today=datetime.date(2027, 6, 1)).date == (
        datetime.date(2026, 5, 15)
    )
    assert read_meeting("15 mai", today=datetime.date(2027, 6, 1)).date == (
        datetime.date(2027, 5, 15)
    )


def test_impossible_date_is_not_read():
    assert read_meeting("le 31 février 2026", today=TODAY).date is None
