"""Fixtures of the procedure-search browser tests: the staff suite's (imported, not copied)."""

from mado.staff.tests.browser.conftest import (  # noqa: F401 - fixtures and hook, re-exported
    axe,
    browser,
    network_guard,
    new_context,
    page,
    pytest_runtest_makereport,
    site,
)
