"""The JSON Schema of an ``export_recaps`` archive, derived from the models and blocks.

Nothing is listed by hand that a declaration already says: each page record's
content follows the concrete fields of its page model (type, null, choices,
length) and its child relations (themes, comments); an edition's body follows
``RecapBodyBlock`` (block types, struct children, lists, chooser ids); themes,
sites and view restrictions follow ``Theme``, ``Site`` and
``PageViewRestriction`` (its ``RESTRICTION_CHOICES``). A new field or block
changes the schema with no second edit.

:func:`validate_archive` checks a parsed ``recaps.json`` before anything is
written and raises :class:`~recaps.importers.archive.ArchiveError`'s message
source, :class:`ArchiveInvalid`, whose message (French) names each place, e.g.
``series[0].editions[3].live_content.body : JSON invalide (caractère 212)``.
"""

import functools
import json

from django.apps import apps
from django.db import models
from django.utils.dateparse import parse_date, parse_datetime, parse_time
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, ValidationError, validators
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import get_all_child_relations
from wagtail import blocks
from wagtail.fields import StreamField
from wagtail.models import Page, PageViewRestriction, Site

from ..models import RecapPage, RecapSeriesPage, Theme
from ..models.themes import normalise_theme_name

#: At most this many problems are named in one error.
MAX_PROBLEMS = 5


class ArchiveInvalid(Exception):
    """The archive's JSON does not follow the schema; the message is French."""


# Schema of model fields ------------------------------------------------------


def _nullable(schema, nullable):
    if not nullable:
        return schema
    schema = dict(schema)
    kind = schema.get("type")
    if kind is not None:
        schema["type"] = [*([kind] if isinstance(kind, str) else kind), "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def field_schema(field, strict=False):
    """The JSON form of one model field's value, as ``serializable_data()``
    writes it. ``strict``: a field that may not be blank may not be empty."""
    if isinstance(field, StreamField):
        schema = {"x-json": block_schema(field.stream_block)}
    elif field.is_relation:
        schema = field_schema(field.target_field)
        schema.pop("minLength", None)
        schema.pop("maxLength", None)
        schema.pop("enum", None)
    elif isinstance(field, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, models.IntegerField | models.AutoField):
        schema = {"type": "integer"}
    elif isinstance(field, models.FloatField):
        schema = {"type": "number"}
    elif isinstance(field, models.DateTimeField):
        schema = {"type": "string", "x-datetime": True}
    elif isinstance(field, models.DateField):
        schema = {"type": "string", "x-date": True}
    elif isinstance(field, models.TimeField):
        schema = {"type": "string", "x-time": True}
    elif isinstance(field, models.CharField | models.TextField):
        schema = {"type": "string"}
        if field.max_length:
            schema["maxLength"] = field.max_length
        if strict and not field.blank:
            schema["minLength"] = 1
    elif isinstance(field, models.UUIDField):
        schema = {"type": "string"}
    else:  # JSON, decimals…: whatever Django reads back
        return {}
    if field.choices and not field.is_relation:
        schema["enum"] = [value for value, _label in field.flatchoices]
        if field.blank and "" not in schema["enum"]:
            schema["enum"].append("")
    return _nullable(schema, field.null)


def content_schema(model, strict=False, closed=False, only=None, child=False):
    """An object holding ``model``'s field values, as ``serializable_data()``
    writes them: ``pk``, the concrete fields, child relations (lists of
    objects) and parental many-to-many fields (lists of ids). The ``pk`` of a
    ``child`` row is null in a draft that added it."""
    properties, required = {}, []
    for field in model._meta.fields:
        if field.primary_key or (field.remote_field and field.remote_field.parent_link):
            continue
        if only is not None and field.name not in only:
            continue
        properties[field.name] = field_schema(field, strict)
        if not field.null and not field.has_default() and not field.blank:
            required.append(field.name)
    if only is None or "pk" in only:
        properties["pk"] = _nullable(field_schema(model._meta.pk), child)
        required.insert(0, "pk")
    if only is None:
        for relation in get_all_child_relations(model):
            properties[relation.get_accessor_name()] = {
                "type": "array",
                "items": content_schema(relation.related_model, child=True),
            }
        for field in model._meta.many_to_many:
            if isinstance(field, ParentalManyToManyField):
                properties[field.name] = {
                    "type": "array",
                    "items": field_schema(field.target_field),
                }
    schema = {"type": "object", "properties": properties, "required": required}
    if closed:
        schema["additionalProperties"] = False
    return schema


# Schema of StreamField content --------------------------------------------------


def block_schema(block):
    """The JSON form of a block's value, as StreamField stores it."""
    if isinstance(block, blocks.BaseStreamBlock):
        return {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "value"],
                "properties": {
                    "type": {"enum": list(block.child_blocks)},
                    "value": {},  # x-value-by-type
                    "id": {"type": ["string", "null"]},
                },
                "additionalProperties": False,
                "x-value-by-type": {
                    name: block_schema(child)
                    for name, child in block.child_blocks.items()
                },
            },
        }
    if isinstance(block, blocks.ListBlock):
        child = block_schema(block.child_block)
        return {
            "type": "array",
            "items": {
                # Wagtail's list items are {"type": "item", "value", "id"}; old
                # content holds the bare values.
                "if": {
                    "type": "object",
                    "required": ["type", "value"],
                    "properties": {"type": {"const": "item"}},
                },
                "then": {
                    "properties": {
                        "type": {},
                        "value": child,
                        "id": {"type": ["string", "null"]},
                    },
                    "additionalProperties": False,
                },
                "else": child,
            },
        }
    if isinstance(block, blocks.BaseStructBlock):
        return {
            "type": "object",
            "properties": {
                name: block_schema(child) for name, child in block.child_blocks.items()
            },
            "additionalProperties": False,
        }
    if isinstance(block, blocks.ChooserBlock):
        return _nullable(field_schema(block.model_class._meta.pk), True)
    if isinstance(block, blocks.BooleanBlock):
        return {"type": ["boolean", "null"]}
    if isinstance(block, blocks.IntegerBlock):
        return {"type": ["integer", "null"]}
    if isinstance(block, blocks.DateTimeBlock):
        return {"type": ["string", "null"], "x-datetime": True}
    if isinstance(block, blocks.DateBlock):
        return {"type": ["string", "null"], "x-date": True}
    if isinstance(block, blocks.ChoiceBlock):
        values = [value for value, _label in block.field.choices if value != ""]
        return {"enum": [*values, "", None]}
    if isinstance(
        block,
        blocks.CharBlock
        | blocks.TextBlock
        | blocks.RichTextBlock
        | blocks.URLBlock
        | blocks.EmailBlock
        | blocks.RawHTMLBlock
        | blocks.RegexBlock,
    ):
        return {"type": ["string", "null"]}
    return {}  # static, table, embed…: whatever the block reads back


# The archive ----------------------------------------------------------------------

#: Page state fields stored beside the content (``archive.STATE_FIELDS``).
DATETIME = {"type": ["string", "null"], "x-datetime": True}


def page_record_schema(model, state_fields, children=None):
    """One page of the archive: content, draft, state and view restrictions."""
    content = content_schema(model)
    restriction = content_schema(
        PageViewRestriction,
        strict=True,
        closed=True,
        only={"pk", "restriction_type", "password"},
    )
    restriction["properties"]["id"] = restriction["properties"].pop("pk")
    restriction["required"] = ["restriction_type"]
    restriction["properties"]["groups"] = {
        "type": "array",
        "items": {"type": "string", "minLength": 1},
    }
    # A password restriction needs its password.
    restriction["if"] = {"properties": {"restriction_type": {"const": "password"}}}
    restriction["then"] = {"properties": {"password": {"minLength": 1}}}
    properties = {
        "id": field_schema(Page._meta.pk),
        "type": {"type": "string"} if model is Page else {"const": model._meta.label},
        "live_content": content,
        "draft": {
            "type": ["object", "null"],
            "required": ["content"],
            "properties": {"content": content, "approved_go_live_at": DATETIME},
            "additionalProperties": False,
        },
        "state": content_schema(Page, closed=True, only=set(state_fields)),
        "restrictions": {"type": "array", "items": restriction},
    }
    properties["state"].pop("required")
    if children is not None:
        properties["editions"] = {"type": "array", "items": children}
    return {
        "type": "object",
        "required": ["id", "type", "live_content", "state"],
        "properties": properties,
        "additionalProperties": False,
    }


@functools.cache
def archive_schema(home_label, state_fields, versions):
    """The schema of ``recaps.json``; ``home_label`` names the home page's model."""
    home_model = page_model(home_label)
    document = {
        "type": "object",
        "required": ["id", "title", "file"],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string", "minLength": 1, "maxLength": 255},
            "file": {"type": "string", "pattern": "^documents/[0-9]+/[^/]+$"},
            "created_at": DATETIME,
        },
        "additionalProperties": False,
    }
    theme = content_schema(
        Theme,
        strict=True,
        closed=True,
        only={"pk", "name", "label", "slug", "description"},
    )
    theme["properties"]["id"] = theme["properties"].pop("pk")
    theme["required"] = ["id" if name == "pk" else name for name in theme["required"]]
    site = content_schema(
        Site,
        strict=True,
        closed=True,
        only={"hostname", "port", "site_name", "is_default_site"},
    )
    return {
        "type": "object",
        "required": ["format", "version", "themes", "documents", "series"],
        "properties": {
            "format": {"type": "string"},
            "version": {"enum": list(versions)},
            "themes": {"type": "array", "items": theme},
            "documents": {"type": "array", "items": document},
            "home": page_record_schema(home_model, state_fields),
            "site": site,
            "series": {
                "type": "array",
                "items": page_record_schema(
                    RecapSeriesPage,
                    state_fields,
                    children=page_record_schema(RecapPage, state_fields),
                ),
            },
        },
        "additionalProperties": False,
    }


def page_model(label):
    """The page model named ``label`` (``home.HomePage``) when this site has
    it, else Wagtail's ``Page``."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError, TypeError):
        return Page
    return model if issubclass(model, Page) else Page


# Checks the schema names with ``x-`` ------------------------------------------


def _json_text(validator, schema, instance, _parent):
    """A StreamField's value: JSON text (or its parsed value) following ``schema``."""
    if isinstance(instance, str):
        try:
            instance = json.loads(instance)
        except ValueError as error:
            yield ValidationError(
                _("invalid JSON (character %(position)s)")
                % {"position": getattr(error, "pos", "?")}
            )
            return
    yield from validator.descend(instance, schema)


def _value_by_type(validator, schemas, instance, _parent):
    """A stream item's ``value`` follows the block its ``type`` names."""
    if isinstance(instance, dict) and instance.get("type") in schemas:
        if "value" in instance:
            yield from validator.descend(
                instance["value"], schemas[instance["type"]], path="value"
            )


def _parsed_by(parse, message):
    def check(_validator, enabled, instance, _schema):
        if not enabled or not isinstance(instance, str):
            return
        try:
            valid = parse(instance) is not None
        except ValueError:
            valid = False
        if not valid:
            yield ValidationError(message() % {"value": instance})

    return check


ArchiveValidator = validators.extend(
    Draft202012Validator,
    {
        "x-json": _json_text,
        "x-value-by-type": _value_by_type,
        "x-datetime": _parsed_by(
            parse_datetime, lambda: _("“%(value)s” is not a date and time")
        ),
        "x-date": _parsed_by(parse_date, lambda: _("“%(value)s” is not a date")),
        "x-time": _parsed_by(parse_time, lambda: _("“%(value)s” is not a time")),
    },
)


# French messages ---------------------------------------------------------------


def place(path):
    """``series[0].editions[3].live_content.body`` for a path of keys and indexes."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "recaps.json"


def _shown(value):
    return json.dumps(value, ensure_ascii=False)[:60]


def _json_type(value):
    names = {
        type(None): _("null"),
        bool: _("a boolean"),
        int: _("an integer"),
        float: _("a number"),
        str: _("a string"),
        list: _("a list"),
        dict: _("an object"),
    }
    return names.get(type(value), type(value).__name__)


def _expected_types(kinds):
    names = {
        "null": _("null"),
        "boolean": _("a boolean"),
        "integer": _("an integer"),
        "number": _("a number"),
        "string": _("a string"),
        "array": _("a list"),
        "object": _("an object"),
    }
    kinds = [kinds] if isinstance(kinds, str) else kinds
    return _(" or ").join(names.get(kind, kind) for kind in kinds)


def french_message(error):
    """One problem, in French, naming its place in the archive."""
    keyword, expected, value = error.validator, error.validator_value, error.instance
    if keyword == "type":
        problem = _("%(found)s where %(expected)s is expected") % {
            "found": _json_type(value),
            "expected": _expected_types(expected),
        }
    elif keyword == "required":
        missing = [key for key in expected if key not in value]
        problem = _("the key “%(key)s” is missing") % {"key": ", ".join(missing)}
    elif keyword == "additionalProperties":
        extra = [key for key in value if key not in error.schema.get("properties", {})]
        problem = _("unexpected key “%(key)s”") % {"key": ", ".join(extra)}
    elif keyword in {"enum", "const"}:
        choices = expected if keyword == "enum" else [expected]
        problem = _("unknown value %(value)s (expected: %(choices)s)") % {
            "value": _shown(value),
            "choices": ", ".join(_shown(choice) for choice in choices),
        }
    elif keyword == "minLength":
        problem = _("empty value")
    elif keyword == "maxLength":
        problem = _("longer than %(limit)s characters") % {"limit": expected}
    elif keyword == "pattern":
        problem = _("malformed value %(value)s") % {"value": _shown(value)}
    elif keyword.startswith("x-"):
        problem = error.message  # already French
    else:
        problem = _("invalid value %(value)s") % {"value": _shown(value)}
    return _("%(place)s: %(problem)s") % {
        "place": place(error.absolute_path),
        "problem": problem,
    }


def _leaf_errors(errors):
    """The deepest errors (those of ``if``/``then`` branches come flat)."""
    for error in errors:
        if error.context:
            yield from _leaf_errors(error.context)
        else:
            yield error


def validate_archive(data, state_fields, versions):
    """Raise :class:`ArchiveInvalid` naming every problem (at most
    ``MAX_PROBLEMS``) when ``data`` does not follow the archive's schema, or
    when a theme, page or restriction it names twice or refers to is missing."""
    home = data.get("home") if isinstance(data, dict) else None
    home_label = home.get("type") if isinstance(home, dict) else None
    schema = archive_schema(
        home_label if isinstance(home_label, str) else "wagtailcore.Page",
        tuple(state_fields),
        tuple(versions),
    )
    errors = sorted(
        _leaf_errors(ArchiveValidator(schema).iter_errors(data)),
        key=lambda error: [str(part) for part in error.absolute_path],
    )
    problems = [french_message(error) for error in errors[:MAX_PROBLEMS]]
    if not problems:
        problems = list(_reference_problems(data))[:MAX_PROBLEMS]
    if problems:
        more = len(errors) - len(problems)
        if more > 0:
            problems.append(_("… and %(count)s more problems") % {"count": more})
        raise ArchiveInvalid("\n".join(problems))


def _reference_problems(data):
    """Themes, pages and documents named twice, themes used but not archived."""
    for key in ("themes", "documents"):
        seen = set()
        for index, entry in enumerate(data[key]):
            if entry["id"] in seen:
                yield _("%(place)s: id %(id)s appears twice") % {
                    "place": place([key, index, "id"]),
                    "id": entry["id"],
                }
            seen.add(entry["id"])
    themes = {theme["id"] for theme in data["themes"]}
    names = set()
    for index, theme in enumerate(data["themes"]):
        name = normalise_theme_name(theme["name"])
        if name in names:
            yield _("%(place)s: the theme “%(name)s” appears twice") % {
                "place": place(["themes", index, "name"]),
                "name": theme["name"],
            }
        names.add(name)
        label = theme.get("label", "")
        if label and normalise_theme_name(label) != name:
            yield _("%(place)s: “%(label)s” is not a spelling of “%(name)s”") % {
                "place": place(["themes", index, "label"]),
                "label": label,
                "name": theme["name"],
            }
    pages = set()
    records = [(["home"], data["home"])] if data.get("home") else []
    for index, series in enumerate(data["series"]):
        records.append((["series", index], series))
        records += [
            (["series", index, "editions", number], edition)
            for number, edition in enumerate(series.get("editions", []))
        ]
    for path, record in records:
        if record["id"] in pages:
            yield _("%(place)s: page %(id)s appears twice") % {
                "place": place([*path, "id"]),
                "id": record["id"],
            }
        pages.add(record["id"])
        contents = [("live_content", record["live_content"])]
        if record.get("draft"):
            contents.append(("draft", record["draft"]["content"]))
        for key, content in contents:
            for number, item in enumerate(content.get("tagged_items", [])):
                if item.get("tag") not in themes:
                    where = [*path, key] + (["content"] if key == "draft" else [])
                    yield _("%(place)s: theme %(id)s is not in the archive") % {
                        "place": place([*where, "tagged_items", number, "tag"]),
                        "id": item.get("tag"),
                    }
