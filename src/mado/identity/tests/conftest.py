"""Fixtures for identity tests: a trusted and a foreign simulated CA (EC keys: fast)."""

from __future__ import annotations

from typing import Any

import pytest

from mado.identity import jpki
from mado.identity.models import CertificateAuthority

ORIGIN = "http://testserver"


@pytest.fixture
def ca(db: Any) -> CertificateAuthority:
    return jpki.create_ca("Test JPKI CA", trusted=True, key_type="ec")


@pytest.fixture
def foreign(db: Any) -> CertificateAuthority:
    return jpki.create_ca("Foreign CA", trusted=False, key_type="ec")


@pytest.fixture
def card(world: dict[str, Any], ca: CertificateAuthority) -> Any:
    return jpki.issue_card(world["takahashi"], ca=ca, municipality=world["city"], key_type="ec")
