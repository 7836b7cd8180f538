"""Page types and themes of the recaps app."""

from .edition import RecapPage, RecapPageTag
from .series import RecapSeriesPage
from .themes import Theme

__all__ = ["RecapPage", "RecapPageTag", "RecapSeriesPage", "Theme"]
