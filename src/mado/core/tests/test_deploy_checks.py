"""`mado check --deploy` under production settings: clean when configured, loud when not.

Run in a subprocess because production settings are read at import time.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from mado.core.security import DEV_SANDBOX_WEBHOOK_SECRET, DEV_SECRET_KEY, dev_field_key


def run_check(tmp_path: Path, **overrides: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("MADO_") and k != "DATABASE_URL"
    }
    env.update(
        MADO_ENV="production",
        MADO_SECRET_KEY=secrets.token_urlsafe(50),
        MADO_FIELD_KEYS=Fernet.generate_key().decode(),
        MADO_ALLOWED_HOSTS="mado.city.example.lg.jp",
        MADO_SANDBOX_WEBHOOK_SECRET=secrets.token_hex(24),
        MADO_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="mado.settings",
    )
    env.update(overrides)
    env = {k: v for k, v in env.items() if v != ""}
    return subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120, check=False,
    )


@pytest.mark.slow
def test_deploy_check_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = run_check(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_deploy_check_refuses_published_development_secrets(tmp_path: Path) -> None:
    result = run_check(
        tmp_path,
        MADO_SECRET_KEY=DEV_SECRET_KEY,
        MADO_FIELD_KEYS=dev_field_key(),
        MADO_SANDBOX_WEBHOOK_SECRET=DEV_SANDBOX_WEBHOOK_SECRET,
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0
    assert out.count("mado.E002") == 3, out


@pytest.mark.slow
def test_deploy_check_refuses_missing_sandbox_secret_and_weak_settings(tmp_path: Path) -> None:
    result = run_check(
        tmp_path, MADO_SANDBOX_WEBHOOK_SECRET="", MADO_REQUIRE_2FA="0",
        MADO_RATE_LIMITS="apply=off",
    )
    out = result.stdout + result.stderr
    assert result.returncode != 0
    for check_id in ("mado.E003", "mado.W001", "mado.W002"):
        assert check_id in out, out


@pytest.mark.slow
def test_another_payment_provider_needs_no_sandbox_secret(tmp_path: Path) -> None:
    result = run_check(tmp_path, MADO_SANDBOX_WEBHOOK_SECRET="", MADO_PAYMENT_PROVIDER="acme")
    assert "mado.E003" not in result.stdout + result.stderr


def test_dev_secret_key_matches_the_settings_default() -> None:
    import mado.settings as project_settings

    assert project_settings._DEV_SECRET == DEV_SECRET_KEY
