"""Background work: Django's tasks API on django-tasks-db, plus what upstream lacks.

- retries with exponential backoff and jitter, a per-task attempt limit, and a visible history of
  failed attempts (backend.py, attempts.py, retry.py; models.TaskAttempt);
- worker heartbeats and recovery of tasks left RUNNING by a dead worker (recovery.py, worker.py);
- a registry of periodic jobs and a database lease so that one scheduler runs them (periodic.py,
  lease.py, jobs.py).

Declare tasks with `offload.core.tasks.decorators.task` — Django's decorator, typed for the
policy keywords: `@task(max_attempts=3, backoff_base=10)` — and periodic ones with
`@periodic("*/5 * * * *")` (offload.core.tasks.periodic) above it. Tasks run at least once: make them safe
to run twice. See docs/adr/0002-background-work.md.

This package's __init__ stays import-free: core's models module imports `tasks.models` while the
app registry is still loading.
"""
