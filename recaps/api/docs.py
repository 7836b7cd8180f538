"""The OpenAPI document reduced to what the HTML documentation shows.

:func:`describe_schema` turns drf-spectacular's schema (a dict) into plain
lists of operations, parameters, responses and objects, each type written in
French words (“liste de chaînes”, “un de : visio, presentiel…”), for the
template ``recaps/api/docs.html``.
"""

from django.utils.translation import gettext as _

REF_PREFIX = "#/components/schemas/"


def _type_name(name, fmt=None):
    names = {
        "string": _("text"),
        "integer": _("integer"),
        "number": _("decimal number"),
        "boolean": _("boolean"),
        "object": _("object"),
    }
    formats = {
        "date": _("date (YYYY-MM-DD)"),
        "date-time": _("date and time (ISO 8601)"),
        "uri": _("URL"),
    }
    return formats.get(fmt) or names.get(name, name or _("any"))


def describe_type(schema):
    """``(text, object name or "")`` of a JSON schema, in words."""
    schema = schema or {}
    if "$ref" in schema:
        name = schema["$ref"].removeprefix(REF_PREFIX)
        return name, name
    for combinator in ("allOf", "oneOf", "anyOf"):
        if schema.get(combinator):
            text, ref = describe_type(schema[combinator][0])
            if schema.get("nullable"):
                text = _("%(type)s or null") % {"type": text}
            return text, ref
    if "enum" in schema:
        values = ", ".join(str(value) for value in schema["enum"] if value != "")
        return _("one of: %(values)s") % {"values": values}, ""
    if schema.get("type") == "array":
        text, ref = describe_type(schema.get("items"))
        return _("list of %(type)s") % {"type": text}, ref
    text = _type_name(schema.get("type"), schema.get("format"))
    if schema.get("nullable"):
        text = _("%(type)s or null") % {"type": text}
    return text, ""


def _parameter(parameter):
    text, ref = describe_type(parameter.get("schema"))
    return {
        "name": parameter["name"],
        "location": {"query": _("query"), "path": _("path")}.get(
            parameter.get("in"), parameter.get("in")
        ),
        "required": parameter.get("required", False),
        "type": text,
        "ref": ref,
        "description": parameter.get("description", ""),
    }


def _response(status, response):
    content = response.get("content") or {}
    schema = next(iter(content.values()), {}).get("schema") if content else None
    text, ref = describe_type(schema) if schema else ("", "")
    return {
        "status": status,
        "description": response.get("description", ""),
        "type": text,
        "ref": ref,
    }


def _object(name, schema):
    required = set(schema.get("required") or [])
    fields = []
    for field, definition in (schema.get("properties") or {}).items():
        text, ref = describe_type(definition)
        fields.append(
            {
                "name": field,
                "type": text,
                "ref": ref,
                "required": field in required,
                "description": definition.get("description", ""),
            }
        )
    values = schema.get("enum")
    return {
        "name": name,
        "fields": fields,
        "values": [value for value in values or [] if value != ""],
    }


def inline_enums(node, enums):
    """``node`` with references to the named enums replaced by the enums, so
    that a parameter reads "one of: …" rather than the enum's name."""
    if isinstance(node, dict):
        if node.get("$ref", "").removeprefix(REF_PREFIX) in enums:
            return enums[node["$ref"].removeprefix(REF_PREFIX)]
        return {key: inline_enums(value, enums) for key, value in node.items()}
    if isinstance(node, list):
        return [inline_enums(value, enums) for value in node]
    return node


def describe_schema(schema):
    """``{"title", "version", "description", "operations", "objects"}``."""
    components = schema.get("components", {}).get("schemas", {})
    enums = {name: found for name, found in components.items() if "enum" in found}
    schema = inline_enums(schema, enums)
    info = schema.get("info", {})
    operations = []
    for path, methods in schema.get("paths", {}).items():
        for method, operation in methods.items():
            operations.append(
                {
                    "anchor": operation.get("operationId") or f"{method}-{path}",
                    "method": method.upper(),
                    "path": path,
                    # Descriptions are the views' docstrings, for developers;
                    # summaries are the readers' (translated) words.
                    "summary": operation.get("summary", ""),
                    "parameters": [
                        _parameter(p) for p in operation.get("parameters", [])
                    ],
                    "responses": [
                        _response(status, response)
                        for status, response in operation.get("responses", {}).items()
                    ],
                }
            )
    objects = [
        _object(name, definition)
        for name, definition in schema.get("components", {}).get("schemas", {}).items()
        if name not in enums
    ]
    return {
        "title": info.get("title", ""),
        "version": info.get("version", ""),
        "description": info.get("description", ""),
        "operations": operations,
        "objects": objects,
    }
