"""Real-browser tests of the navigator (Playwright + Debian's Chromium + axe).

They reuse the staff suite's fixtures and skip rules (mado.staff.tests.browser):
without Chromium or the Python packages every module here skips itself.
"""
