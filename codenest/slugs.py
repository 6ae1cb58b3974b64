"""Unique slugs for any model with a unique `slug` field (knows no app: callers pass their queryset)."""

from django.db.models import QuerySet
from django.utils.text import slugify


def unique_slug(name: str, *, among: QuerySet, fallback: str, exclude_id: int | None = None) -> str:
    """`slugify(name)`, or with `-2`, `-3`... appended when a row of `among` already has it."""
    base = slugify(name)[:100] or fallback
    taken = set(among.filter(slug__startswith=base).exclude(pk=exclude_id).values_list("slug", flat=True))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
