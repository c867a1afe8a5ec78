"""Fixtures of the builder's browser tests: the staff suite's browser fixtures, re-exported.

The browser, live site, network guard, axe and screenshot fixtures come from
mado.staff.tests.browser.conftest (not copied), as the apply tests do.
"""

from __future__ import annotations

from mado.staff.tests.browser.conftest import (  # noqa: F401 - fixtures and hook, re-exported
    axe,
    browser,
    network_guard,
    new_context,
    page,
    pytest_runtest_makereport,
    site,
)
