"""The site's sitemap: only pages anyone may see right now."""

from django.db.models import Q
from django.utils import timezone
from wagtail.contrib.sitemaps import Sitemap


class PublicPagesSitemap(Sitemap):
    """Wagtail's sitemap without scheduled or expired pages.

    Wagtail already keeps live pages without view restrictions (password,
    login, groups), but a page stays ``live`` after its expiry date until
    ``publish_scheduled`` runs, and may carry a future go-live date.
    """

    def items(self):
        now = timezone.now()
        return (
            super()
            .items()
            .filter(Q(go_live_at__isnull=True) | Q(go_live_at__lte=now))
            .filter(Q(expire_at__isnull=True) | Q(expire_at__gt=now))
        )
