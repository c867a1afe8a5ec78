"""Real-browser tests (Playwright driving Debian's Chromium, with axe); see docs/testing.md.

They need /usr/bin/chromium and the ``playwright`` and ``axe-playwright-python``
packages. Where one is missing every module here is skipped at collection with
the reason, instead of failing: a developer without Chromium still runs the
rest of the suite, and CI (which installs Chromium) runs these too.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")


def _missing() -> str:
    for module in ("playwright.sync_api", "axe_playwright_python.sync_playwright"):
        try:
            importlib.import_module(module)
        except ImportError as exc:
            name = exc.name or module
            return (
                f"ブラウザテストを省略します: {name} がありません"
                f" / browser tests skipped: Python package {name!r} is not installed"
                " (pip install playwright axe-playwright-python; never `playwright install`)"
            )
    if not CHROMIUM.exists():
        return (
            f"ブラウザテストを省略します: {CHROMIUM} がありません"
            f" / browser tests skipped: {CHROMIUM} is missing (apt-get install chromium)"
        )
    return ""


MISSING = _missing()


def skip_module_without_browser() -> None:
    """Call at the top of each test module: skips it at collection when MISSING."""
    if MISSING:
        pytest.skip(MISSING, allow_module_level=True)
