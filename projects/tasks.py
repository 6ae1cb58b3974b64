"""Celery tasks of the projects app: thin wrappers around services, safe to retry."""

from celery import shared_task

from projects import selectors, services
from projects.github import GitHubRateLimited

MAX_RATE_LIMIT_RETRIES = 5


@shared_task(bind=True, max_retries=MAX_RATE_LIMIT_RETRIES, acks_late=True)
def sync_project(self, project_id: int) -> str | None:
    """Pull GitHub metadata and commits for one project; wait out GitHub's rate limit by retrying."""
    try:
        project = services.project_sync_github(project_id=project_id)
    except GitHubRateLimited as exc:
        if self.request.is_eager:
            # Run in-process (no worker, the embedded default): waiting would block the request.
            services.project_sync_give_up(
                project_id=project_id, error=f"GitHub rate limit reached; sync again in {exc.retry_after}s."
            )
            return "failed"
        if self.request.retries >= self.max_retries:
            services.project_sync_give_up(
                project_id=project_id, error=f"{exc} Gave up after {self.max_retries} retries."
            )
            return "failed"
        raise self.retry(countdown=exc.retry_after, exc=exc) from exc
    return None if project is None else "done"


@shared_task
def resync_all_projects() -> int:
    """Celery beat's hourly job: queue a sync for every project linked to a repository."""
    ids = list(selectors.projects_to_resync().values_list("id", flat=True))
    for project_id in ids:
        sync_project.delay(project_id)
    return len(ids)
