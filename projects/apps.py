from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"

    def ready(self):
        # rooms may not import projects: projects adds its slash commands to rooms' registry itself.
        from projects import commands  # noqa: F401
