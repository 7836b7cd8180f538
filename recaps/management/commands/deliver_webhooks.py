"""``manage.py deliver_webhooks``: send the due webhook deliveries (the outbox)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from recaps.webhooks import deliver_due


class Command(BaseCommand):
    help = (
        "POST every due webhook delivery, signed, with a short timeout; failures "
        "are retried with exponential backoff for a day. One round of what "
        "manage.py run_worker does continuously."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=100, help="At most this many deliveries."
        )

    def handle(self, *args, limit=100, **options):
        done = deliver_due(limit=limit)
        delivered = sum(1 for delivery in done if delivery.delivered_at)
        self.stdout.write(
            _("Webhooks: %(delivered)d delivered, %(failed)d failed.")
            % {"delivered": delivered, "failed": len(done) - delivered}
        )
