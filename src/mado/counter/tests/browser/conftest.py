"""Fixtures of the counter's browser tests: the staff suite's, plus the family of four."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mado.counter.tests.conftest import add_family, prepare_city
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
def counter_site(site: Any) -> Iterator[Any]:  # noqa: F811 - the imported fixture
    from mado.procedures.catalogue import clear_cache

    prepare_city(site.world["city"])
    site.world = add_family(site.world)
    yield site
    clear_cache()
