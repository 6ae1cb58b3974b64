from rest_framework.routers import SimpleRouter

from uploads.views import UploadViewSet

router = SimpleRouter()
router.register("uploads", UploadViewSet, basename="upload")

urlpatterns = router.urls
