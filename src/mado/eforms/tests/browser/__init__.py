"""Real-browser tests of the staff form builder (skipped without Chromium; see docs/testing.md)."""
