"""Page types and themes of the recaps app."""

from .edition import RecapPage, RecapPageTag
from .sections import RecapSection
from .series import RecapSeriesPage
from .themes import Theme
from .versions import ContentVersion

__all__ = [
    "ContentVersion",
    "RecapPage",
    "RecapPageTag",
    "RecapSection",
    "RecapSeriesPage",
    "Theme",
]
