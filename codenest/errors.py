"""The errors services and selectors raise where Django has no class of its own (knows no app).

Services, selectors and the other domain modules raise Django's ValidationError / PermissionDenied
or one of these, never a DRF exception (tests/test_architecture.py): they are called by views,
consumers, tasks and admin actions alike. api/exceptions.py gives each its HTTP status and body,
the chat consumer its error frame.
"""

from contextlib import contextmanager

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, models
from django.http import Http404


class NotFound(Http404):
    """404 {"detail": message}: no such object, or one this user may not know exists.

    A plain Http404 (get_object_or_404, DRF's get_object) answers "Not found." without its message,
    which names a model; this one's message is written for the client.
    """

    def __init__(self, message: str = "Not found."):
        super().__init__(message)
        self.message = message


class CodedPermissionDenied(PermissionDenied):
    """403 {"detail", "code"}: a refusal the client can act on, told apart by its machine-readable code."""

    def __init__(self, message: str, *, code: str):
        super().__init__(message)
        self.message, self.code = message, code


class Conflict(Exception):
    """409 {"detail": message}: the request conflicts with the current state (a race lost, a file in use)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class PayloadTooLarge(Exception):
    """413 {"detail": message}: a file past its size limit (REST parsers and upload services alike)."""

    def __init__(self, max_bytes: int):
        self.message = f"The file is larger than the limit of {max_bytes} bytes."
        super().__init__(self.message)


class ServiceUnavailable(Exception):
    """503 {"detail": message}: a service we depend on (GitHub) could not be reached."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- unique-constraint races ---------------------------------------------------------------------


def _sqlite_unique_names() -> dict[str, str]:
    """SQLite names the columns of a violated unique constraint, not the constraint: columns → name.

    A field's own `unique=True` is named as PostgreSQL names an inline UNIQUE: <table>_<column>_key.
    """
    names = {}
    for model in apps.get_models():
        table = model._meta.db_table
        for field in model._meta.local_fields:
            if field.unique and not field.primary_key:
                names[f"{table}.{field.column}"] = f"{table}_{field.column}_key"
        for constraint in model._meta.constraints:
            if isinstance(constraint, models.UniqueConstraint) and constraint.fields:
                # Constraint fields are concrete columns, never reverse relations.
                columns = [model._meta.get_field(name).column for name in constraint.fields]  # type: ignore[union-attr]
                names[", ".join(f"{table}.{column}" for column in columns)] = constraint.name
    return names


def unique_violation(exc: IntegrityError) -> str | None:
    """The name of the unique constraint `exc` violated; None for any other integrity error."""
    cause = exc.__cause__
    diag = getattr(cause, "diag", None)
    if diag is not None:  # PostgreSQL (psycopg): 23505 is unique_violation
        return diag.constraint_name if getattr(cause, "sqlstate", None) == "23505" else None
    message = str(exc)
    prefix = "UNIQUE constraint failed: "
    if not message.startswith(prefix):
        return None
    columns = message[len(prefix) :]
    if columns.startswith("index '"):  # an expression index (Lower("name")) is named by SQLite
        return columns[len("index '") : -1]
    return _sqlite_unique_names().get(columns)


@contextmanager
def conflict_on(constraints: dict[str, str]):
    """The unique-constraint races the caller expects, by constraint name → the 409 message of each.

    A violation of one of them becomes Conflict(message); any other IntegrityError is a bug and goes
    on (a 500). Raised out of the service's transaction, which rolls back.
    """
    try:
        yield
    except IntegrityError as exc:
        name = unique_violation(exc)
        if name in constraints:
            raise Conflict(constraints[name]) from exc
        raise
