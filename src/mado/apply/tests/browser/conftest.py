"""Fixtures of the apply browser tests: the staff suite's browser fixtures, a form and a card.

The browser, live site, network guard, axe and screenshot fixtures are
imported from mado.staff.tests.browser.conftest (not copied), as the
navigator's browser tests do.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mado.apply.tests.conftest import CATALOGUE, publish
from mado.identity import services as identity_services
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
def apply_site(site: Any, settings: Any, tmp_path: Any) -> Iterator[Any]:  # noqa: F811
    """The live site with the test form published and a valid demo card for 髙橋 太郎."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    clear_cache()
    city = site.world["city"]
    report = import_catalogue(city, CATALOGUE)
    assert report.ok, report.errors
    publish(city)
    takahashi = site.world["takahashi"]
    identity_services.issue_card(takahashi, ca=identity_services.demo_ca(), municipality=city,
                                 label=f"{takahashi.full_name}(有効 / valid)")
    yield site
    clear_cache()
