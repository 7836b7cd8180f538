"""The meeting a recap tells of: its date, format and venue, when the text says
them (“Vendredi 15 mai, au centre social de la Bottière…”)."""

import datetime
import re
from dataclasses import dataclass

from ..search import fold

MONTHS = (
    "janvier",
    "fevrier",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "aout",
    "septembre",
    "octobre",
    "novembre",
    "decembre",
)
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_DATE = re.compile(
    r"\b(?:({days}) )?(1er|\d{{1,2}}) ({months})(?: (\d{{4}}))?\b".format(
        days="|".join(WEEKDAYS), months="|".join(MONTHS)
    )
)
_NUMERIC_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_HYBRID = re.compile(r"\bhybride?s?\b")
_ONLINE = re.compile(
    r"\b(?:visio|visios|visioconference|en ligne|a distance|zoom|teams|jitsi"
    r"|google meet)\b"
)
_IN_PERSON = re.compile(r"\b(?:presentiel|en presence|sur place)\b")
#: A venue: a kind of place after “au”, “à la”, “chez”… up to the end of the phrase.
_VENUE = re.compile(
    r"\b(?:au|à la|à l['’]|aux|chez|dans les locaux d[eu]s?|dans la|dans le"
    r"|dans l['’])\s+"
    r"((?:centre social|centre socio-?culturel|maison de quartier|maison des \w+"
    r"|maison pour tous|espace|(?:grande |petite )?salle|local|mairie|médiathèque"
    r"|mjc|csc|foyer"
    r"|fédération)\b[^.,;:!?\n()]{0,60})",
    re.IGNORECASE,
)
_VENUE_END = re.compile(
    r"\s+(?:pour|avec|et|qui|où|autour|afin|le|les|ce|cette|à|en|dès|depuis"
    r"|ou|puis|entre)\b.*$",
    re.IGNORECASE,
)
#: The values of ``RecapPage.format`` (:class:`recaps.models.MeetingFormat`).
PRESENTIEL, HYBRIDE, VISIO = "presentiel", "hybride", "visio"


@dataclass
class Meeting:
    """What a text says of its meeting; ``None`` or ``""`` when it does not."""

    date: datetime.date | None = None
    #: The words the date was read from (“Vendredi 15 mai”).
    date_text: str = ""
    format: str | None = None
    venue: str = ""

    def __bool__(self):
        return bool(self.date or self.format or self.venue)


def _year(day, month, weekday, today):
    """The year of a day without one: the one whose weekday matches the stated
    one, nearest to ``today``."""
    years = (today.year - 1, today.year, today.year + 1)
    candidates = [d for d in (_valid(y, month, day) for y in years) if d]
    matching = [d for d in candidates if weekday is None or d.weekday() == weekday]
    pool = matching or candidates
    return min(pool, key=lambda d: abs((d - today).days)) if pool else None


def _date(text, today):
    """The first date ``text`` names and its words (folded), or ``(None, "")``."""
    match = _DATE.search(fold(text))
    if match:
        weekday, day, month, year = match.groups()
        day, month = (1 if day == "1er" else int(day)), MONTHS.index(month) + 1
        if year:
            found = _valid(int(year), month, day)
        else:
            stated = WEEKDAYS.index(weekday) if weekday else None
            found = _year(day, month, stated, today)
        return found, match.group() if found else ""
    match = _NUMERIC_DATE.search(text)
    if match:
        day, month, year = (int(part) for part in match.groups())
        found = _valid(year, month, day)
        return found, match.group() if found else ""
    return None, ""


def _valid(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        return None


def _venue(text):
    match = _VENUE.search(text)
    if not match:
        return ""
    return _VENUE_END.sub("", " ".join(match.group(1).split())).strip(" -–—")


def read_meeting(text, today=None):
    """The :class:`Meeting` a recap's ``text`` states: the first date it names,
    the format its words say (a venue and a video call: hybrid) and the venue."""
    today = today or datetime.date.today()
    meeting = Meeting()
    meeting.date, meeting.date_text = _date(text, today)
    meeting.venue = _venue(text)
    folded = fold(text)
    online = bool(_ONLINE.search(folded))
    in_person = bool(meeting.venue or _IN_PERSON.search(folded))
    if _HYBRID.search(folded) or (online and in_person):
        meeting.format = HYBRIDE
    elif online:
        meeting.format = VISIO
    elif in_person:
        meeting.format = PRESENTIEL
    return meeting
