"""Background work: idempotent tasks on django-tasks' database backend, a worker, a scheduler."""
