"""``manage.py run_worker``: publish scheduled pages and send webhooks, in a loop."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections
from django.utils.translation import gettext as _

from recaps import worker


class Command(BaseCommand):
    help = (
        "Long-running worker: every RECAPS_WORKER_INTERVAL seconds (10), publish "
        "and unpublish scheduled pages (publish_scheduled) and send the due "
        "webhooks. One at a time: a second worker waits for the first's lease."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One round, then exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between rounds (default: RECAPS_WORKER_INTERVAL).",
        )

    def handle(self, *args, once=False, interval=None, **options):
        interval = interval if interval is not None else worker.interval_seconds()
        if interval <= 0:
            raise CommandError(_("The interval must be a positive number of seconds."))
        verbose = options["verbosity"] > 1
        holder = worker.holder_name()
        stop = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_args: stop.set())
            self.stdout.write(
                _("Worker %(holder)s: a round every %(seconds)s s.")
                % {"holder": holder, "seconds": interval}
            )
        try:
            while not stop.is_set():
                if not once:  # a long-running process: drop dead connections
                    close_old_connections()
                try:
                    self.round(holder, verbose, once)
                except DatabaseError as error:
                    message = _("Worker: database error: %(error)s") % {"error": error}
                    if once:
                        raise CommandError(message) from error
                    self.stderr.write(message)
                if once:
                    break
                stop.wait(interval)
        finally:
            try:
                worker.release(holder)
            except DatabaseError:
                pass  # the lease then expires on its own

    def round(self, holder, verbose, once):
        done = worker.run_once(holder)
        if done is None:
            if once or verbose:
                lease = worker.current_holder()
                self.stdout.write(
                    _("Another worker holds the lease (%(holder)s): nothing done.")
                    % {"holder": lease.holder if lease else "?"}
                )
            return
        published, deliveries = done
        if verbose and published.strip():
            self.stdout.write(published.rstrip())
        if once or verbose or deliveries:
            delivered = sum(1 for delivery in deliveries if delivery.delivered_at)
            self.stdout.write(
                _("Webhooks: %(delivered)d delivered, %(failed)d failed.")
                % {"delivered": delivered, "failed": len(deliveries) - delivered}
            )
