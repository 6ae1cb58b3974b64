"""Shared pagination: page style for ordinary lists, cursor style for feeds and chat history."""

from rest_framework.pagination import CursorPagination, PageNumberPagination


class PagePagination(PageNumberPagination):
    """`{"count", "next", "previous", "results"}` with ?page= and ?page_size= (default 20, max 100)."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class NewestFirstCursorPagination(CursorPagination):
    """`{"next", "previous", "results"}`, newest first by id: stable under inserts, index-only."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
