"""Old accented addresses redirect to the ASCII slug (cms/ascii_paths.py)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cms.ascii_paths import ascii_path

pytestmark = pytest.mark.django_db

ACCENTED = "/ebullitions/petite-%C3%A9bullition-de-d%C3%A9cembre/"


def test_accented_address_of_a_renamed_edition_redirects(client, make_edition):
    make_edition(slug="petite-ebullition-de-decembre")
    response = client.get(ACCENTED + "?utm=papier")
    assert response.status_code == 301
    assert response["Location"] == (
        "/ebullitions/petite-ebullition-de-decembre/?utm=papier"
    )


def test_accented_address_of_an_existing_page_is_served(client, make_edition):
    make_edition(slug="petite-ébullition-de-décembre")
    assert client.get(ACCENTED).status_code == 200


def test_no_redirect_to_a_draft(client, make_edition):
    make_edition(slug="petite-ebullition-de-decembre", publish=False)
    assert client.get(ACCENTED).status_code == 404


def test_no_page_no_redirect(client, series):
    assert client.get(ACCENTED).status_code == 404


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.text(max_size=12), max_size=4))
def test_ascii_path_is_ascii_or_none(segments):
    path = "/" + "/".join(segments) + "/"
    result = ascii_path(path)
    if path.isascii():
        assert result is None
    elif result is not None:
        assert result.isascii()
        assert result.count("/") == path.count("/")
