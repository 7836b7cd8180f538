"""``manage.py rebuild_sections``: rebuild the section index from live content."""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from recaps.db import bulk_write
from recaps.models import ContentVersion
from recaps.sections import rebuild_index


class Command(BaseCommand):
    help = "Rebuild the section index of every public edition (API, themes, search)."

    def handle(self, *args, **options):
        with transaction.atomic(), bulk_write():
            count = rebuild_index()
            ContentVersion.bump()
        self.stdout.write(
            _("Section index rebuilt: %(count)d sections.") % {"count": count}
        )
