"""The admin refuses to create an edition outside a series."""

import pytest

from recaps.models import RecapPage

pytestmark = pytest.mark.django_db


def test_edition_cannot_be_created_outside_a_series_in_the_admin(
    client, django_user_model, root_page
):
    admin = django_user_model.objects.create_superuser("boss", "b@example.org", "pw")
    client.force_login(admin)
    url = f"/admin/pages/add/recaps/recappage/{root_page.pk}/"
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == "/admin/"
    response = client.post(url, {"title": "Hors série", "slug": "hors-serie"})
    assert response.status_code == 302
    assert not RecapPage.objects.exists()
