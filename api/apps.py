from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API kit"

    def ready(self):
        from codenest import startup  # noqa: F401  registers the deploy check on SECRET_KEY
