"""Go-live and expiry dates, with a frozen clock and ``publish_scheduled``."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from recaps.models import RecapPage
from tests.admin.form_data import edition_form_data

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2030, 1, 7, 9, 0, tzinfo=datetime.UTC)


def publish_with_dates(client, page, **dates):
    data = edition_form_data(
        title=page.title,
        slug=page.slug,
        number=page.edition_number,
        date=page.date.isoformat(),
        **{"action-publish": "1"},
    )
    data.update(dates)
    response = client.post(reverse("wagtailadmin_pages:edit", args=(page.pk,)), data)
    assert response.status_code == 302, response.context["form"].errors
    assert "login" not in response["Location"]
    page.refresh_from_db()
    return page


def test_edition_editor_has_the_scheduling_fields(admin_client, make_edition):
    page = make_edition()
    html = admin_client.get(
        reverse("wagtailadmin_pages:edit", args=(page.pk,))
    ).content.decode()
    assert 'name="go_live_at"' in html
    assert 'name="expire_at"' in html


def logged_in(user):
    """A client logged in now (sessions made before the clock moved expire)."""
    client = Client()
    client.force_login(user)
    return client


def test_go_live_date_publishes_at_the_right_time(
    admin_user, client, series, make_edition
):
    with time_machine.travel(NOW, tick=False) as clock:
        admin_client = logged_in(admin_user)
        page = make_edition(title="Édition programmée", publish=False)
        page = publish_with_dates(admin_client, page, go_live_at="2030-01-10 08:00")
        assert not page.live
        assert "Édition programmée" not in client.get(series.url).content.decode()
        assert client.get(f"/{series.slug}/{page.slug}/").status_code == 404
        listing = admin_client.get(reverse("editions:index"), {"status": "scheduled"})
        assert [p.pk for p in listing.context["object_list"]] == [page.pk]

        clock.move_to(datetime.datetime(2030, 1, 10, 6, 0, tzinfo=datetime.UTC))
        call_command("publish_scheduled")
        page.refresh_from_db()
        assert not page.live  # 07:00 in Paris: not yet

        clock.move_to(datetime.datetime(2030, 1, 10, 7, 1, tzinfo=datetime.UTC))
        call_command("publish_scheduled")
        page.refresh_from_db()
        assert page.live
        assert RecapPage.objects.published().filter(pk=page.pk).exists()
        assert "Édition programmée" in client.get(series.url).content.decode()


def test_expiry_date_hides_then_unpublishes(admin_user, client, series, make_edition):
    with time_machine.travel(NOW, tick=False) as clock:
        admin_client = logged_in(admin_user)
        page = make_edition(title="Édition éphémère")
        page = publish_with_dates(admin_client, page, expire_at="2030-02-01 00:00")
        assert page.live
        assert "Édition éphémère" in client.get(series.url).content.decode()

        clock.move_to(datetime.datetime(2030, 2, 1, 12, 0, tzinfo=datetime.UTC))
        # Hidden as soon as the date passes, even before the command runs.
        assert "Édition éphémère" not in client.get(series.url).content.decode()
        call_command("publish_scheduled")
        page.refresh_from_db()
        assert not page.live and page.expired
