"""The OpenAPI document as generated clients like it.

:func:`polish` is a drf-spectacular post-processing hook (after its own enum
hook). It declares that empty query parameters are allowed (they count as
absent), the conditional answers (``304``, validator headers) and the
rate-limit headers, makes every
enum a named component with named values (one component per concept: a
parameter whose values are those of an existing enum refers to it), tags every
operation, describes tags, components and responses in French
and gives pagination examples that are this API's own URLs.

Public operations carry no ``security`` requirement: :class:`ApiSchema`
declares none.
"""

import re

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

#: Base of example URLs when the document is not generated for a request.
EXAMPLE_BASE = "https://ebullitions.example.org"
#: Tag of the operations at the root of the API (the index).
INDEX_TAG = "sommaire"

TAG_DESCRIPTIONS = {
    INDEX_TAG: _("Links to every endpoint of the API."),
    "recaps": _("Published editions: list with filters, and one edition."),
    "changes": _(
        "Change feed: the editions that entered, changed in or left the public set."
    ),
    "sections": _("Sections of the published editions, across editions."),
    "tags": _("Themes of the published editions."),
    "oembed": _("oEmbed: embed an edition, a series or a theme page by its URL."),
}

COMPONENT_DESCRIPTIONS = {
    "Index": _("Links to every endpoint of the API."),
    "Error": _("Every error: a message, and per-parameter messages for invalid input."),
    "RichText": _("Rich text as HTML with links resolved and as plain text."),
    "RecapRef": _("A short reference to an edition."),
    "Change": _("One edition that entered, changed in or left the public set."),
    "ChangeFeed": _("A page of the change feed, oldest change first."),
    "Section": _("One section of an edition's body."),
    "SectionWithRecap": _(
        "A section found across editions, with the edition it belongs to."
    ),
    "Recap": _("An edition as listed by /recaps/."),
    "RecapDetail": _("One edition with its full structured body and its neighbours."),
    "Tag": _("A theme used by at least one published edition."),
    "SectionTypeEnum": _("Kind of section (stable machine name)."),
    "MeetingFormatEnum": _("How people met: video call, in person or hybrid."),
    "OEmbed": _("An oEmbed 1.0 rich answer."),
}

RESPONSE_DESCRIPTIONS = {
    "200": _("Success."),
    "304": _("Not modified since the validator sent (ETag or date)."),
    "400": _("Invalid parameters: the message names each of them."),
    "404": _("Nothing here: unknown id, or a page beyond the last one."),
    "429": _("Too many requests: retry after the Retry-After delay."),
    "501": _("Not implemented: only format=json is available."),
}


class ApiSchema(AutoSchema):
    """Operation ids from the views (``operation_id``), stable for client code;
    no security requirement (the API is anonymous)."""

    def get_operation_id(self):
        return getattr(self.view, "operation_id", None) or super().get_operation_id()

    def get_auth(self):
        return []


def with_constraints(schema, field):
    """``schema`` with the bounds the form ``field`` enforces (``minimum``,
    ``maximum``, ``maxLength``, ``maxItems``, and those of its items), taken
    from the field itself (``schema_constraints``, :mod:`recaps.filters`)."""
    constraints = dict(getattr(field, "schema_constraints", dict)())
    items = constraints.pop("items", None)
    schema = {**schema, **constraints}
    if items and "items" in schema:
        schema["items"] = {**schema["items"], **items}
    return schema


def field_schema(field):
    """The schema of a query parameter read by the form ``field`` (an integer
    for an integer field, else text), with its bounds."""
    kind = (
        OpenApiTypes.INT if isinstance(field, forms.IntegerField) else OpenApiTypes.STR
    )
    return with_constraints(build_basic_type(kind), field)


class ApiFilterExtension(DjangoFilterExtension):
    """drf-spectacular's django-filter parameters, each with the bounds its
    form field enforces and the filter's help text (which a type given with
    ``extend_schema_field`` would otherwise drop)."""

    priority = 1

    def resolve_filter_field(
        self, auto_schema, model, filterset_class, field_name, filter_field
    ):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        help_text = filter_field.extra.get("help_text")
        for parameter in parameters:
            parameter["schema"] = with_constraints(
                parameter["schema"], filter_field.field
            )
            if help_text and not parameter.get("description"):
                parameter["description"] = str(help_text)
        return parameters


def _pascal(text):
    return "".join(part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", text))


def enum_varname(value):
    """A readable constant for an enum value: ``-date`` → ``DATE_DESC``,
    ``date`` → ``DATE_ASC`` for orderings, else the value in capitals."""
    name = re.sub(r"[^0-9A-Za-z]+", "_", str(value).lstrip("-")).strip("_").upper()
    if not name or name[0].isdigit():
        name = f"VALUE_{name}"
    return name


def ordering_varnames(values):
    """Named values of an ordering enum (each value with and without ``-``)."""
    return [
        enum_varname(value) + ("_DESC" if str(value).startswith("-") else "_ASC")
        for value in values
    ]


def _operations(result):
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            yield path, method, operation


def _named_enum(schemas, enum, name, varnames):
    """The ``$ref`` of the component holding ``enum``, created if needed."""
    for existing, component in schemas.items():
        if "enum" in component and set(component["enum"]) == set(enum):
            return {"$ref": f"#/components/schemas/{existing}"}
    schemas[name] = {
        "type": "string",
        "enum": list(enum),
        "x-enum-varnames": varnames,
    }
    return {"$ref": f"#/components/schemas/{name}"}


def _name_parameter_enums(result):
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for _path, _method, operation in _operations(result):
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            holder, key = (
                (schema, "items") if "items" in schema else (parameter, "schema")
            )
            target = holder[key]
            if "enum" not in target:
                continue
            enum = target["enum"]
            name = (
                f"{_pascal(operation['operationId'])}{_pascal(parameter['name'])}Enum"
            )
            if parameter["name"] == "ordering":
                varnames = ordering_varnames(enum)
            else:
                varnames = [enum_varname(value) for value in enum]
            holder[key] = _named_enum(schemas, enum, name, varnames)
    for component in schemas.values():
        if "enum" in component and "x-enum-varnames" not in component:
            component["x-enum-varnames"] = [
                enum_varname(value) for value in component["enum"]
            ]


def _tag_and_describe(result):
    used = []
    for path, _method, operation in _operations(result):
        if not operation.get("tags"):
            segments = [s for s in path.split("/") if s and not s.startswith("{")]
            tail = segments[2:] if segments[:1] == ["api"] else segments
            operation["tags"] = [tail[0] if tail else INDEX_TAG]
        used.extend(tag for tag in operation["tags"] if tag not in used)
        for status, response in operation.get("responses", {}).items():
            if not response.get("description") and status in RESPONSE_DESCRIPTIONS:
                response["description"] = gettext(RESPONSE_DESCRIPTIONS[status])
    result["tags"] = [
        {"name": tag, **({"description": gettext(TAG_DESCRIPTIONS[tag])})}
        if tag in TAG_DESCRIPTIONS
        else {"name": tag}
        for tag in used
    ]
    for name, component in result.get("components", {}).get("schemas", {}).items():
        if name in COMPONENT_DESCRIPTIONS:
            component["description"] = gettext(COMPONENT_DESCRIPTIONS[name])


def _pagination_examples(result, request):
    """``next`` / ``previous`` examples: the list's own URL on this server."""
    schemas = result.get("components", {}).get("schemas", {})
    for path, _method, operation in _operations(result):
        response = operation.get("responses", {}).get("200", {})
        schema = response.get("content", {}).get("application/json", {}).get("schema")
        ref = (schema or {}).get("$ref", "")
        component = schemas.get(ref.rsplit("/", 1)[-1])
        if not component or not {"count", "next", "previous", "results"} <= set(
            component.get("properties", {})
        ):
            continue
        base = request.build_absolute_uri(path) if request else EXAMPLE_BASE + path
        properties = component["properties"]
        properties["count"]["example"] = 57
        properties["next"]["example"] = f"{base}?page=3"
        properties["previous"]["example"] = f"{base}?page=1"


#: Headers of every answer (see :mod:`recaps.caching`), for conditional requests.
VALIDATOR_HEADERS = {
    "ETag": _("Validator of the answer: send it back in If-None-Match."),
    "Last-Modified": _("Date of the last change: send it back in If-Modified-Since."),
    "Cache-Control": _("How long the answer may be kept."),
}


#: Request headers of a conditional request, which every operation honours.
CONDITION_HEADERS = {
    "If-None-Match": _(
        "The ETag of the answer you hold: 304, without a body, if it is still valid."
    ),
    "If-Modified-Since": _(
        "The Last-Modified date of the answer you hold (HTTP date): 304, "
        "without a body, if nothing changed since."
    ),
}
RETRY_AFTER = _("Seconds to wait before trying again.")

#: Response headers of the rate limit (:mod:`recaps.throttling`), on every
#: answer that counted against it; answers from the response cache have none.
RATELIMIT_HEADERS = {
    "RateLimit-Policy": _(
        "The rate limit per client (IETF draft httpapi-ratelimit-headers): "
        '"default";q=<requests>;w=<window in seconds>.'
    ),
    "RateLimit": _(
        'Where this client stands: "default";r=<requests left>;t=<seconds until '
        "the oldest request counted leaves the window>. Absent from answers of "
        "the response cache, which do not count."
    ),
}


def _conditional_requests(result):
    """Every operation answers ``304`` to a matching ``If-None-Match`` or
    ``If-Modified-Since`` (declared as optional header parameters, so that
    generated clients can send them) and sends its validators with ``200``
    and ``304``; a ``429`` says when to come back (``Retry-After``); every
    answer may say where the client stands in its rate limit (``RateLimit``)."""
    headers = {
        name: {"schema": {"type": "string"}, "description": gettext(text)}
        for name, text in VALIDATOR_HEADERS.items()
    }
    conditions = [
        {
            "in": "header",
            "name": name,
            "schema": {"type": "string"},
            "required": False,
            "description": gettext(text),
        }
        for name, text in CONDITION_HEADERS.items()
    ]
    ratelimit = {
        name: {"schema": {"type": "string"}, "description": gettext(text)}
        for name, text in RATELIMIT_HEADERS.items()
    }
    for _path, _method, operation in _operations(result):
        parameters = operation.setdefault("parameters", [])
        parameters += [dict(condition) for condition in conditions]
        responses = operation.setdefault("responses", {})
        responses.setdefault("304", {})
        for status in ("200", "304"):
            responses[status].setdefault("headers", {}).update(headers)
        for response in responses.values():
            response.setdefault("headers", {}).update(ratelimit)
        if "429" in responses:
            responses["429"].setdefault("headers", {})["Retry-After"] = {
                "schema": {"type": "integer", "minimum": 0},
                "description": gettext(RETRY_AFTER),
                "required": True,
            }
        operation["responses"] = dict(sorted(responses.items()))


def _allow_empty_values(result):
    """Every query parameter given empty counts as absent (``?page=``), as the
    views read them (:func:`recaps.api.views.present`): ``allowEmptyValue``."""
    for _path, _method, operation in _operations(result):
        for parameter in operation.get("parameters", []):
            if parameter.get("in") != "query":
                continue
            if not parameter.get("required"):
                parameter["allowEmptyValue"] = True
            elif parameter.get("schema", {}).get("type") == "string":
                # An empty required parameter is a missing one: 400.
                parameter["schema"].setdefault("minLength", 1)


def polish(result, generator, request, public):
    """drf-spectacular ``POSTPROCESSING_HOOKS`` entry (see the module doc)."""
    _allow_empty_values(result)
    _conditional_requests(result)
    _name_parameter_enums(result)
    _tag_and_describe(result)
    _pagination_examples(result, request)
    return result
