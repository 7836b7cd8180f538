"""Wrong passwords at the admin login are throttled (django-axes)."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client

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


# Behind a reverse proxy every connection comes from the proxy (REMOTE_ADDR
# 127.0.0.1); the proxy appends the address it saw to X-Forwarded-For.
PROXY = "127.0.0.1"
ATTACKER = "203.0.113.66"
ADMIN = "198.51.100.7"


@pytest.fixture
def admin(db):
    return User.objects.create_superuser(
        "admin", "admin@example.org", "le-vrai-mot-de-passe"
    )


@pytest.fixture
def behind_one_proxy(settings):
    """``API_NUM_PROXIES=1``: DRF's ``NUM_PROXIES``, read by the login throttle."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.AXES_FAILURE_LIMIT = 5
    return settings


def _log_in(client, password, forwarded_for=None, remote_addr=PROXY):
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for else {}
    return client.post(
        "/admin/login/",
        {"username": "admin", "password": password},
        headers=headers,
        REMOTE_ADDR=remote_addr,
    )


def test_an_attacker_behind_the_proxy_never_locks_the_admin_out(
    admin, behind_one_proxy
):
    attacker = Client()
    statuses = [
        _log_in(attacker, f"faux-{n}", forwarded_for=ATTACKER).status_code
        for n in range(30)
    ]
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}  # the attacker is locked out
    assert _log_in(attacker, "le-vrai-mot-de-passe", ATTACKER).status_code == 429

    real_admin = Client()
    response = _log_in(real_admin, "le-vrai-mot-de-passe", forwarded_for=ADMIN)
    assert response.status_code == 302
    assert real_admin.session["_auth_user_id"] == str(admin.pk)


def test_a_forged_forwarded_for_entry_neither_frees_nor_frames(admin, behind_one_proxy):
    # The attacker prepends addresses of their choice (the admin's, or a new
    # one each time); the proxy appends the one it saw, and that one counts.
    attacker = Client()
    forged = [f"{ADMIN}, {ATTACKER}"] + [f"10.0.0.{n}, {ATTACKER}" for n in range(9)]
    statuses = [
        _log_in(attacker, f"faux-{n}", forwarded_for=header).status_code
        for n, header in enumerate(forged)
    ]
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    assert _log_in(Client(), "le-vrai-mot-de-passe", ADMIN).status_code == 302


def test_without_proxies_the_connection_address_counts(admin, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 0}
    settings.AXES_FAILURE_LIMIT = 5
    attacker = Client()
    statuses = [
        _log_in(
            attacker, f"faux-{n}", forwarded_for=f"10.0.0.{n}", remote_addr=ATTACKER
        ).status_code
        for n in range(10)
    ]
    assert set(statuses[4:]) == {429}  # X-Forwarded-For is ignored
    assert _log_in(Client(), "le-vrai-mot-de-passe", remote_addr=ADMIN).status_code == (
        302
    )


@pytest.mark.parametrize(
    "forwarded_for", ["pas-une-adresse", "203.0.113.999", "", " , ", "x" * 300]
)
def test_a_forwarded_for_that_is_no_address_falls_back_to_the_connection(
    admin, behind_one_proxy, forwarded_for
):
    # Reached without the proxy, or a broken one: never a 500 (PostgreSQL
    # refuses such a value in an address column); the connection's address counts.
    statuses = [
        _log_in(Client(), f"faux-{n}", forwarded_for=forwarded_for).status_code
        for n in range(6)
    ]
    assert statuses[:4] == [200] * 4
    assert set(statuses[4:]) == {429}
    assert AccessAttempt.objects.get().ip_address == PROXY


HOSTILE_LOGINS = {
    "nul byte in the query": {"path": "/admin/login/?next=%00&x=%00"},
    "nul byte in an extra field": {"data": {"x": "a\x00b"}},
    "nul byte in the username": {"data": {"username": "ad\x00min"}},
    "username too long": {"data": {"username": "a" * 300}},
    "unicode username": {"data": {"username": "adm\u00efn\U0001f600"}},
    "asks for JSON": {"headers": {"accept": "application/json"}},
    "asks for English": {"headers": {"accept-language": "en"}},
    "XMLHttpRequest": {"headers": {"x-requested-with": "XMLHttpRequest"}},
    "no address": {"extra": {"REMOTE_ADDR": ""}},
    "forwarded garbage": {"headers": {"x-forwarded-for": "\x7f, ::ffff:zz, "}},
    "forwarded IPv6": {"headers": {"x-forwarded-for": "2001:DB8::1"}},
}


#: Usernames the login form refuses before any authentication.
REFUSED_BY_THE_FORM = {"nul byte in the username", "username too long"}


@pytest.mark.parametrize("case", HOSTILE_LOGINS, ids=list(HOSTILE_LOGINS))
def test_hostile_logins_get_the_form_or_the_french_lockout_never_a_500(
    admin, behind_one_proxy, case
):
    request = HOSTILE_LOGINS[case]
    data = {"username": "admin", "password": "faux", **request.get("data", {})}
    statuses = []
    for _ in range(7):
        response = Client().post(
            request.get("path", "/admin/login/"),
            data,
            headers=request.get("headers", {}),
            **request.get("extra", {}),
        )
        statuses.append(response.status_code)
    if case in REFUSED_BY_THE_FORM:  # no login attempt: nothing to count
        assert set(statuses) == {200}
    else:
        assert statuses[:4] == [200] * 4
        assert set(statuses[4:]) == {429}
        assert "Trop de tentatives de connexion" in response.content.decode()
