"""WebSocket URL patterns of every app, in one list for asgi.py and the tests."""

from notifications.routing import websocket_urlpatterns as notification_patterns
from projects.routing import websocket_urlpatterns as project_patterns
from rooms.routing import websocket_urlpatterns as room_patterns

websocket_urlpatterns = [*room_patterns, *notification_patterns, *project_patterns]
