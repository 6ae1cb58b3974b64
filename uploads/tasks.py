from celery import shared_task

from uploads import services


@shared_task
def delete_unused_uploads() -> int:
    """Beat, hourly: uploads nothing has used for a day are deleted (rows and files)."""
    return services.uploads_delete_unused()
