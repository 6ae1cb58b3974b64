from celery import shared_task

from uploads import services


# Hourly, in batches that each commit: a backlog may take longer than the default limits, and a run
# stopped at its limit loses nothing (the next one goes on).
@shared_task(soft_time_limit=1800, time_limit=1860)
def delete_unused_uploads() -> int:
    """Beat, hourly: uploads nothing has used for a day are deleted (rows and files)."""
    return services.uploads_delete_unused()
