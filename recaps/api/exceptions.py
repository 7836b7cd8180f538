"""Errors as JSON in the active language (French on the site)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ..filters import shown


def _flatten(messages):
    """Messages of one parameter as a flat list (repeated parameters nest)."""
    if isinstance(messages, dict):
        return [text for value in messages.values() for text in _flatten(value)]
    if isinstance(messages, list | tuple):
        return [text for value in messages for text in _flatten(value)]
    return [str(messages)]


def api_exception_handler(exc, context):
    """Turn every API exception into ``{"detail": ..., "errors": {...}}``.

    ``errors`` (parameter name → list of messages) is present for invalid
    query parameters only.
    """
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail
        if not isinstance(errors, dict):
            errors = {"non_field_errors": errors}
        errors = {name: _flatten(messages) for name, messages in errors.items()}
        data = {"detail": _("Invalid query parameters."), "errors": errors}
    else:
        data = {"detail": exc.detail}
    set_rollback()
    return Response(data, status=exc.status_code, headers=headers)


def method_not_allowed(method):
    """405 for anything but GET, HEAD and OPTIONS."""
    return exceptions.MethodNotAllowed(
        method,
        detail=_("Method “{method}” is not allowed: this API is read-only.").format(
            method=shown(method)
        ),
    )


def throttled(wait):
    """429 with a French message; the handler adds ``Retry-After``."""
    exc = exceptions.Throttled(wait)
    seconds = max(int(exc.wait or 1), 1)
    exc.wait = seconds
    exc.detail = exceptions.ErrorDetail(
        _("Too many requests: try again in {seconds} s.").format(seconds=seconds),
        code="throttled",
    )
    return exc
