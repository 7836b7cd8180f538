"""The OpenAPI document describes every endpoint, parameter and real response."""

import copy
import re

import pytest
from jsonschema import Draft202012Validator

from tests.api.conftest import API, get_json

pytestmark = pytest.mark.django_db


def strict_json_schema(node):
    """OpenAPI 3.0 schema → JSON Schema: ``nullable`` and closed objects."""
    if isinstance(node, list):
        return [strict_json_schema(child) for child in node]
    if not isinstance(node, dict):
        return node
    node = {key: strict_json_schema(value) for key, value in node.items()}
    if "properties" in node and "additionalProperties" not in node:
        node["additionalProperties"] = False
    if node.pop("nullable", False):
        return {"anyOf": [node, {"type": "null"}]}
    return node


@pytest.fixture
def spec(client, edition):
    response = client.get(API + "schema/?format=json")
    assert response.status_code == 200
    return response.json()


def validate(spec, template, status, data):
    responses = spec["paths"][template]["get"]["responses"]
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    root = {
        "components": strict_json_schema(copy.deepcopy(spec["components"])),
        **strict_json_schema(schema),
    }
    validator = Draft202012Validator(
        root, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors = [error.message for error in validator.iter_errors(data)]
    assert not errors, (template, status, errors[:5])


def test_schema_lists_exactly_the_public_endpoints(spec):
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]) == {
        "/api/v1/",
        "/api/v1/recaps/",
        "/api/v1/recaps/{id}/",
        "/api/v1/changes/",
        "/api/v1/sections/",
        "/api/v1/tags/",
    }
    assert all(set(methods) == {"get"} for methods in spec["paths"].values())


def parameters(spec, template):
    return {
        parameter["name"]: parameter
        for parameter in spec["paths"][template]["get"].get("parameters", [])
    }


def test_parameters_are_documented_with_their_exact_names(spec):
    recaps = parameters(spec, "/api/v1/recaps/")
    assert set(recaps) == {
        "tag",
        "series",
        "date_after",
        "date_before",
        "section_type",
        "search",
        "ordering",
        "page",
        "page_size",
        "slug",
        "updated_after",
    }
    assert recaps["tag"]["schema"]["type"] == "array"
    assert recaps["date_after"]["schema"]["format"] == "date"
    assert recaps["updated_after"]["schema"]["format"] == "date-time"
    assert set(recaps["ordering"]["schema"]["enum"]) == {
        "-date",
        "date",
        "-edition_number",
        "edition_number",
        "updated_at",
        "-updated_at",
    }
    assert set(parameters(spec, "/api/v1/changes/")) == {"since", "page_size"}
    sections = parameters(spec, "/api/v1/sections/")
    assert set(sections) == {
        "type",
        "tag",
        "recap",
        "search",
        "date_after",
        "date_before",
        "page",
        "page_size",
    }
    assert "nuggets" in sections["type"]["schema"]["items"]["enum"]
    assert set(parameters(spec, "/api/v1/tags/")) == {"ordering", "page", "page_size"}
    assert parameters(spec, "/api/v1/recaps/{id}/")["id"]["in"] == "path"


def test_real_responses_match_the_schema(client, spec, edition, make_edition):
    second = make_edition(edition_number=2, tags=["numérique"], publish=True)
    cases = [
        ("/api/v1/", API, 200),
        ("/api/v1/recaps/", API + "recaps/", 200),
        ("/api/v1/recaps/", API + "recaps/?tag=numerique&search=pepite", 200),
        ("/api/v1/recaps/", API + "recaps/?page_size=1", 200),
        ("/api/v1/recaps/", API + "recaps/?ordering=nope", 400),
        ("/api/v1/recaps/", API + "recaps/?page=9", 404),
        ("/api/v1/recaps/{id}/", API + f"recaps/{edition.pk}/", 200),
        ("/api/v1/recaps/{id}/", API + f"recaps/{second.pk}/", 200),
        ("/api/v1/recaps/{id}/", API + "recaps/987654/", 404),
        ("/api/v1/sections/", API + "sections/", 200),
        ("/api/v1/sections/", API + "sections/?type=resources&search=guide", 200),
        ("/api/v1/sections/", API + "sections/?type=x&tag=" + "&tag=a" * 12, 400),
        ("/api/v1/tags/", API + "tags/?ordering=-recap_count", 200),
        ("/api/v1/tags/", API + "tags/?ordering=x", 400),
        ("/api/v1/recaps/", API + "recaps/?updated_after=2020-01-01T00:00:00Z", 200),
        ("/api/v1/recaps/", API + "recaps/?updated_after=hier", 400),
        ("/api/v1/changes/", API + "changes/", 200),
        ("/api/v1/changes/", API + "changes/?since=2020-01-01T00:00:00Z", 200),
        ("/api/v1/changes/", API + "changes/?since=nope", 400),
    ]
    for template, url, status in cases:
        data = get_json(client, url, status=status)
        validate(spec, template, status, data)
    # The check has teeth: an undocumented field or a wrong type fails.
    data = get_json(client, API + "recaps/")
    data["results"][0]["surprise"] = 1
    with pytest.raises(AssertionError):
        validate(spec, "/api/v1/recaps/", 200, data)
    with pytest.raises(AssertionError):
        validate(spec, "/api/v1/tags/", 200, {"count": "1", "results": []})


def test_schema_is_french_and_yaml_by_default(client, edition):
    response = client.get(API + "schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    text = response.content.decode()
    assert "title: API des comptes rendus" in text
    assert "Recherche plein texte" in text


def test_docs_use_the_sites_own_static_files(client, edition):
    response = client.get(API + "docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    script_url = API + "docs/?script="
    assert sources and all(
        source.startswith("/static/") or source == script_url for source in sources
    )
    # No inline script (Content-Security-Policy): the start-up script is a file.
    assert "<script>" not in html and script_url in sources
    script = client.get(script_url)
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in script.content.decode()
    assert "validatorUrl: null" in script.content.decode()
    assert "csrf" not in html.lower() and not response.cookies
    for source in sources:
        assert client.get(source).status_code == 200, source
