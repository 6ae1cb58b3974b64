"""The project role matrix in one place.

viewer < developer < maintainer < owner; each role has every right of the roles below it:
viewers read (which, for a public project, anybody may), developers write tasks, maintainers edit
the project, manage developers/viewers and sync GitHub, the owner deletes and manages maintainers.
Services enforce it (PermissionDenied → 403); visibility is the selectors' job (private → 404).
"""

from projects.models import ROLE_RANK


def role_at_least(role: str | None, minimum: str) -> bool:
    return role is not None and ROLE_RANK[role] >= ROLE_RANK[minimum]  # type: ignore[index]  # ProjectRole is a str enum: its values are its keys
