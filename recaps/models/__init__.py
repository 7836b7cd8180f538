"""Page types and themes of the recaps app."""

from .edition import RecapPage, RecapPageTag
from .sections import RecapEntry, RecapSection
from .series import RecapSeriesPage
from .themes import IndexCount, Theme, ThemeCount
from .versions import ContentVersion
from .webhooks import WebhookAttempt, WebhookDelivery, WebhookSubscription
from .worker import WorkerLease

__all__ = [
    "ContentVersion",
    "IndexCount",
    "RecapEntry",
    "RecapPage",
    "RecapPageTag",
    "RecapSection",
    "RecapSeriesPage",
    "Theme",
    "ThemeCount",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSubscription",
    "WorkerLease",
]
