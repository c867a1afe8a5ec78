"""Real-browser tests of the counter (Playwright + Debian's Chromium + axe).

They reuse the staff suite's fixtures and skip rules (mado.staff.tests.browser).
"""
