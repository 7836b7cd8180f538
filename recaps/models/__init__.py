"""Page types and themes of the recaps app."""

from .edition import RecapPage, RecapPageTag
from .sections import RecapSection
from .series import RecapSeriesPage
from .themes import Theme
from .versions import ContentVersion
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription

__all__ = [
    "ContentVersion",
    "RecapPage",
    "RecapPageTag",
    "RecapSection",
    "RecapSeriesPage",
    "Theme",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
]
