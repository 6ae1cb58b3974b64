from celery import shared_task

from rooms import services


@shared_task(ignore_result=True)
def fetch_message_previews(message_id: int) -> None:
    """After a message with links is stored or edited: fetch its link previews and re-broadcast it."""
    services.message_attach_previews(message_id=message_id)
