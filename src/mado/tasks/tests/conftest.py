"""Fixtures for the background-task tests: media under tmp, a small catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from mado.submissions.tests.conftest import CATALOGUE


@pytest.fixture(autouse=True)
def _media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def proc(world: dict[str, Any]) -> Any:
    from mado.procedures.models import Procedure
    from mado.procedures.services import import_catalogue

    report = import_catalogue(world["city"], CATALOGUE)
    assert report.ok, report.errors
    return Procedure.unscoped.get(municipality=world["city"], code="juminhyo-utsushi")
