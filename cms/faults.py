"""Faults the site survives: what counts as "the database cannot be reached"."""

from django.db import InterfaceError, OperationalError

#: Errors that mean "the database cannot be reached", not "a bug".
UNREACHABLE_DATABASE = (OperationalError, InterfaceError)


def unreachable_database_error(error):
    """The error saying the database cannot be reached: ``error`` itself or
    one it was raised from (or while handling); ``None`` for any other error."""
    while error is not None:
        if isinstance(error, UNREACHABLE_DATABASE):
            return error
        error = error.__cause__ or error.__context__
    return None
