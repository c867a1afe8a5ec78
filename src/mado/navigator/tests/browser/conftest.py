"""Fixtures of the navigator's browser tests: the staff suite's, plus a small catalogue.

The browser, live-server site, network guard, axe and screenshot-on-failure
fixtures are imported from mado.staff.tests.browser.conftest (not copied), so
both suites behave the same; being imported here, the package-scoped browser
is started once for this package and stopped before other tests run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mado.navigator.tests.test_views import SMALL_CATALOGUE
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
def navi(site: Any) -> Iterator[Any]:  # noqa: F811 - the imported fixture
    """The live site, with the small move-in catalogue for サンプル市."""
    clear_cache()
    report = import_catalogue(site.world["city"], SMALL_CATALOGUE)
    assert report.ok, report.errors
    yield site
    clear_cache()
