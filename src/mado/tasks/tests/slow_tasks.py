"""A task for the kill test: its first attempt hangs (to be killed), later attempts do the work."""

from __future__ import annotations

import time
from pathlib import Path

from django_tasks import task

from mado.submissions import services as submissions


@task()
def purge_after_hanging_once(marker: str) -> int:
    path = Path(marker)
    if not path.exists():
        path.write_text("started")
        time.sleep(120)  # killed here by the test
    return submissions.purge_expired_drafts()
