"""Permission classes shared by every app. Object rules specific to an app live in that app."""

from rest_framework.permissions import BasePermission


class IsStaff(BasePermission):
    message = "Staff only."

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
