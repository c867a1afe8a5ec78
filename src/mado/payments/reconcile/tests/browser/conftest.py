"""Fixtures of the reconciliation browser tests: the staff suite's browser fixtures."""

from mado.staff.tests.browser.conftest import (  # noqa: F401 - fixtures and hook, re-exported
    axe,
    browser,
    network_guard,
    new_context,
    page,
    pytest_runtest_makereport,
    site,
)
