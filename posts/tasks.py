from celery import shared_task

from posts import services


@shared_task(ignore_result=True)
def fetch_post_previews(post_id: int) -> None:
    """After a post with links is created or edited: fetch and attach its link previews."""
    services.post_attach_previews(post_id=post_id)
