"""OPTIONS answers without introspecting write actions.

DRF's SimpleMetadata describes the serializer of each write method by calling `get_object()`, which
fails on list-level custom actions (500) and runs object lookups and permission checks for a mere
OPTIONS. The OpenAPI schema at /api/schema/ is where clients learn request shapes.
"""

from rest_framework.metadata import SimpleMetadata


class DescriptionOnlyMetadata(SimpleMetadata):
    def determine_actions(self, request, view):
        return {}
