from rest_framework.routers import SimpleRouter

from rooms import views
from rooms.conversations.views import ConversationViewSet

router = SimpleRouter()
router.register("rooms", views.RoomViewSet, basename="room")
router.register(r"rooms/(?P<room_id>\d+)/messages", views.MessageViewSet, basename="room-message")
router.register("conversations", ConversationViewSet, basename="conversation")

urlpatterns = router.urls
