"""Fixtures of the casework browser tests: the staff suite's browser fixtures (imported, not copied)."""

from __future__ import annotations

from mado.casework.tests.conftest import cw  # noqa: F401 - fixture, re-exported
from mado.staff.tests.browser.conftest import (  # noqa: F401 - fixtures and hook, re-exported
    axe,
    browser,
    network_guard,
    new_context,
    page,
    pytest_runtest_makereport,
    site,
)
