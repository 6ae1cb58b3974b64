from django.apps import AppConfig


class PostsConfig(AppConfig):
    name = "posts"

    def ready(self):
        from posts.selectors import uploads_readable_through_posts
        from uploads.access import register_usage

        register_usage(uploads_readable_through_posts)
