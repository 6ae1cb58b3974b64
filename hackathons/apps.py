from django.apps import AppConfig


class HackathonsConfig(AppConfig):
    name = "hackathons"
