"""The OpenAPI document describes every endpoint, parameter and real response."""

import copy
import json
import re

import pytest
from jsonschema import Draft202012Validator

from tests.api.helpers import API, get_json

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
        "/api/v1/oembed/",
    }
    assert all(set(methods) == {"get"} for methods in spec["paths"].values())


def resolve(spec, schema):
    """A schema, or the component its ``$ref`` names."""
    ref = schema.get("$ref")
    return spec["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else schema


def parameters(spec, template, where=("query", "path")):
    """The parameters of ``template``'s operation given in ``where``, by name."""
    return {
        parameter["name"]: parameter
        for parameter in spec["paths"][template]["get"].get("parameters", [])
        if parameter["in"] in where
    }


def test_every_operation_takes_conditional_request_headers(spec):
    """Generated clients can revalidate: If-None-Match and If-Modified-Since
    are optional header parameters of every operation, and a 429 says when
    to come back."""
    for template, operations in spec["paths"].items():
        headers = parameters(spec, template, where=("header",))
        assert set(headers) == {"If-None-Match", "If-Modified-Since"}, template
        assert not any(header["required"] for header in headers.values())
        responses = operations["get"]["responses"]
        if "429" in responses:
            assert "Retry-After" in responses["429"]["headers"], template
        for status, response in responses.items():
            ratelimit = {
                name: response.get("headers", {}).get(name)
                for name in ("RateLimit-Policy", "RateLimit")
            }
            for name, header in ratelimit.items():
                assert header, (template, status, name)
                assert header["schema"] == {"type": "string"}
                assert not header.get("required"), (template, status, name)


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
    assert set(resolve(spec, recaps["ordering"]["schema"])["enum"]) == {
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
    assert "nuggets" in resolve(spec, sections["type"]["schema"]["items"])["enum"]
    assert set(parameters(spec, "/api/v1/tags/")) == {"ordering", "page", "page_size"}
    assert parameters(spec, "/api/v1/recaps/{id}/")["id"]["in"] == "path"


def test_counted_parameters_declare_their_bounds(spec):
    """``page``, ``page_size`` and ``recap`` lacked ``minimum: 1``."""
    for template in ("/api/v1/recaps/", "/api/v1/sections/", "/api/v1/tags/"):
        found = parameters(spec, template)
        assert found["page"]["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": 1_000_000,
        }
        assert found["page_size"]["schema"]["minimum"] == 1
    assert parameters(spec, "/api/v1/changes/")["page_size"]["schema"]["minimum"] == 1
    recap = parameters(spec, "/api/v1/sections/")["recap"]
    assert recap["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
    assert recap["description"] == "Identifiant d’une édition."
    tag = parameters(spec, "/api/v1/recaps/")["tag"]
    assert tag["schema"]["maxItems"] == 10
    assert tag["schema"]["items"]["maxLength"] == 100
    assert tag["description"]


def test_conditional_answers_are_documented(client, spec, edition):
    """Every operation answered 304 without the schema saying so."""
    for template, operation in (
        (template, methods["get"]) for template, methods in spec["paths"].items()
    ):
        responses = operation["responses"]
        assert "304" in responses, template
        for status in ("200", "304"):
            assert {"ETag", "Last-Modified", "Cache-Control"} <= set(
                responses[status]["headers"]
            ), (template, status)
        url = template.replace("/api/v1/", API).replace("{id}", str(edition.pk))
        if "url" in parameters(spec, template):  # oEmbed: an address to embed
            url += f"?url={edition.get_full_url()}"
        first = client.get(url)
        assert first.status_code == 200, url
        again = client.get(url, headers={"if-none-match": first["ETag"]})
        assert again.status_code == 304, url
        assert str(again.status_code) in responses


def bound_cases(spec):
    """For each declared bound of a query parameter: a value on it and one
    just beyond it, as ``(template, on, beyond)`` query strings."""
    for template, methods in spec["paths"].items():
        parameters = methods["get"].get("parameters", [])
        # Required parameters other than the one bounded get a text value.
        required = [
            parameter["name"]
            for parameter in parameters
            if parameter["in"] == "query" and parameter.get("required")
        ]
        for parameter in parameters:
            name, schema = parameter["name"], parameter["schema"]
            if parameter["in"] != "query":
                continue
            given = "".join(f"{other}=x&" for other in required if other != name)
            for key, step in (("minimum", -1), ("maximum", 1)):
                if key in schema:
                    bound = schema[key]
                    yield (
                        template,
                        f"{given}{name}={bound}",
                        f"{given}{name}={bound + step}",
                    )
            items = schema.get("items", schema)
            if "maxLength" in items:
                size = items["maxLength"]
                on, beyond = "a" * size, "a" * (size + 1)
                yield template, f"{given}{name}={on}", f"{given}{name}={beyond}"
            if "maxItems" in schema:
                size = schema["maxItems"]
                enum = resolve(spec, schema["items"]).get("enum")
                values = [
                    enum[n % len(enum)] if enum else f"v{n}" for n in range(size + 1)
                ]
                many = [f"{name}={value}" for value in values]
                yield template, given + "&".join(many[:-1]), given + "&".join(many)


def test_declared_bounds_are_the_enforced_ones(client, spec, edition):
    """Every bound in the schema is derived from the parameter's validation:
    a value on it is accepted, a value just beyond it answers 400."""
    cases = list(bound_cases(spec))
    assert len(cases) >= 20
    for template, on, beyond in cases:
        url = template.replace("/api/v1/", API)
        accepted = client.get(f"{url}?{on}")
        assert accepted.status_code in (200, 404), (url, on, accepted.content[:200])
        refused = client.get(f"{url}?{beyond}")
        assert refused.status_code == 400, (url, beyond)
        name = beyond.split("&")[-1].split("=", 1)[0]
        assert list(refused.json()["errors"]) == [name], (url, beyond)


def test_easy_summary_is_documented_on_list_and_detail(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Recap", "RecapDetail"):
        field = schemas[name]["properties"]["summary_easy"]
        assert field["type"] == "string"
        assert "facile à lire" in field["description"]
        assert "summary_easy" in schemas[name]["required"]


def test_real_responses_match_the_schema(client, spec, edition, make_edition):
    second = make_edition(
        edition_number=2,
        tags=["numérique"],
        publish=True,
        summary_easy="Une phrase courte. Une idée par phrase.",
    )
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


def test_docs_are_a_french_page_without_script(client, edition):
    response = client.get(API + "docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<script" not in html
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(not source.startswith(("http:", "https:", "//")) for source in sources)
    assert len(response.content) < 60_000
    for path in ("/api/v1/recaps/", "/api/v1/recaps/{id}/", "/api/v1/sections/"):
        assert f"<code>GET {path}</code>" in html
    assert "Éditions publiées" in html
    assert "<code>summary_easy</code>" in html
    assert (
        "une valeur parmi : -date, -edition_number, -updated_at, date, "
        "edition_number, updated_at"
    ) in html
    assert "Paramètres" in html and "Réponses" in html
    assert 'href="#object-RecapDetail"' in html and 'id="object-RecapDetail"' in html
    assert f'href="{API}schema/"' in html
    assert "csrf" not in html.lower() and not response.cookies


# What generated clients need (a client is generated in test_generated_client.py).

ENGLISH = re.compile(
    r"\b(the|of|with|and|every|its|is|are|one|first|per|from|by|an|to)\b", re.I
)


def texts(node, path=()):
    """Every (path, text) of a ``description`` or ``summary`` in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield path + (key,), value
            else:
                yield from texts(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from texts(value, path + (index,))


def operations(spec):
    return [
        (template, operation)
        for template, methods in spec["paths"].items()
        for operation in methods.values()
    ]


def test_public_operations_require_no_security(spec):
    for template, operation in operations(spec):
        assert "security" not in operation, template
    assert "security" not in spec
    assert not spec.get("components", {}).get("securitySchemes")


def test_every_operation_is_tagged_and_described_in_french(spec):
    for template, operation in operations(spec):
        assert operation["tags"], template
        assert operation["summary"] and operation["description"], template
        for status, response in operation["responses"].items():
            assert response["description"], (template, status)
    names = [tag["name"] for tag in spec["tags"]]
    assert names[:6] == ["sommaire", "changes", "oembed", "recaps", "sections", "tags"]
    # Every tag used is listed once, with a (French) description.
    used = {
        tag for _template, operation in operations(spec) for tag in operation["tags"]
    }
    assert sorted(names) == sorted(used)
    assert all(tag.get("description") for tag in spec["tags"]), spec["tags"]
    found = list(texts(spec))
    assert len(found) > 60
    english = [(path, text) for path, text in found if ENGLISH.search(text)]
    assert english == []
    # The check has teeth.
    assert ENGLISH.search("Published editions, newest first, with filters.")


def test_enums_are_named_components_with_named_values(spec):
    schemas = spec["components"]["schemas"]
    enums = {name: schema for name, schema in schemas.items() if "enum" in schema}
    assert {"SectionTypeEnum", "MeetingFormatEnum"} <= set(enums)
    assert enums["RecapsListOrderingEnum"]["x-enum-varnames"] == [
        {
            "-date": "DATE_DESC",
            "date": "DATE_ASC",
            "-edition_number": "EDITION_NUMBER_DESC",
            "edition_number": "EDITION_NUMBER_ASC",
            "-updated_at": "UPDATED_AT_DESC",
            "updated_at": "UPDATED_AT_ASC",
        }[value]
        for value in enums["RecapsListOrderingEnum"]["enum"]
    ]
    for name, schema in enums.items():
        names = schema["x-enum-varnames"]
        assert len(names) == len(schema["enum"]) == len(set(names)), name
        assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", n) for n in names), name
        assert not any(n.startswith("VALUE") for n in names), name
    # One enum per concept: no two components with the same values, and no
    # inline enum anywhere else (parameters and properties refer to them).
    value_sets = [frozenset(schema["enum"]) for schema in enums.values()]
    assert len(value_sets) == len(set(value_sets))
    outside = json.dumps({**spec, "components": {}})
    assert '"enum"' not in outside
    assert json.dumps(spec).count('"#/components/schemas/SectionTypeEnum"') >= 5
    sections = parameters(spec, "/api/v1/sections/")
    assert sections["type"]["schema"]["items"] == {
        "$ref": "#/components/schemas/SectionTypeEnum"
    }
    assert (
        "les plus récentes d’abord"
        in parameters(spec, "/api/v1/recaps/")["ordering"]["description"]
    )


def test_examples_are_this_apis_own_urls(spec):
    text = json.dumps(spec)
    assert "api.example.org" not in text and "accounts" not in text
    schemas = spec["components"]["schemas"]
    for component, path in [
        ("PaginatedRecapList", "recaps"),
        ("PaginatedSectionWithRecapList", "sections"),
        ("PaginatedTagList", "tags"),
    ]:
        properties = schemas[component]["properties"]
        url = f"http://testserver/api/v1/{path}/?page="
        assert properties["next"]["example"] == url + "3"
        assert properties["previous"]["example"] == url + "1"
