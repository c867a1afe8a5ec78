"""Fixtures of the register browser tests: the staff suite's browser fixtures and a fee catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mado.payments.register.tests.conftest import CITY_CATALOGUE
from mado.procedures.catalogue import clear_cache
from mado.procedures.services import import_catalogue
from mado.staff.tests.browser.conftest import (  # noqa: F401 - fixtures and hook, re-exported
    axe,
    browser,
    network_guard,
    new_context,
    page,
    pytest_runtest_makereport,
    site,
)


@pytest.fixture
def register_site(site: Any) -> Iterator[Any]:  # noqa: F811
    clear_cache()
    report = import_catalogue(site.world["city"], CITY_CATALOGUE)
    assert report.ok, report.errors
    yield site
    clear_cache()
