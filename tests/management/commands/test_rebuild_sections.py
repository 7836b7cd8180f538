"""``manage.py rebuild_sections``: the section index rebuilt, then made ready.

What it rebuilds is checked in ``tests/test_sections.py``.
"""

import io

import pytest
from django.core.management import call_command

from tests.readiness import Upkeep


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_rebuilt_index_is_ready_once_committed(make_edition):
    make_edition(edition_number=1)
    upkeep = Upkeep()
    call_command("rebuild_sections", stdout=io.StringIO())
    upkeep.assert_ready(["recaps_recapsection", "recaps_recapentry"])
