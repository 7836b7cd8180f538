"""Wrong passwords at the admin login are throttled (django-axes)."""

import pytest
from django.contrib.auth.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(db):
    return User.objects.create_user("redactrice", password="le-bon-mot-de-passe")


def _post(client, password):
    return client.post(
        "/admin/login/", {"username": "redactrice", "password": password}
    )


def test_wrong_passwords_lock_the_account_out_with_a_french_message(
    client, editor, settings
):
    settings.AXES_FAILURE_LIMIT = 5
    statuses = [_post(client, f"faux-{n}").status_code for n in range(30)]
    # The first four are answered by the login form, then the lockout page.
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    response = _post(client, "le-bon-mot-de-passe")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Trop de tentatives de connexion" in text
    assert "réessayez dans 15 minutes" in text
    assert "_auth_user_id" not in client.session


def test_right_password_logs_in_and_resets_the_count(client, editor):
    for n in range(3):
        assert _post(client, f"faux-{n}").status_code == 200
    assert _post(client, "le-bon-mot-de-passe").status_code == 302
    client.logout()
    for n in range(3):
        assert _post(client, f"faux-{n}").status_code == 200


def test_no_django_admin_and_no_third_party_requests_in_the_admin(client, editor):
    assert client.get("/django-admin/").status_code == 404
    client.force_login(User.objects.create_superuser("admin", "admin@example.org", "x"))
    html = client.get("/admin/").content.decode()
    assert "gravatar" not in html.lower()
    assert "w-upgrade" not in html
