"""Staff two-factor sign-in: TOTP (RFC 6238) with recovery codes.

Why pyotp and not django-otp: the sign-in flow is ours (the password step, the
lockout that also counts wrong codes, the bilingual pages, the demo login that
must keep working), so we need only the algorithm. pyotp is a small,
dependency-free, widely used implementation of exactly that, with a
replay-safe check (``verify_and_get_timecode``); django-otp would bring its own
models, admin, middleware and plugin framework we would have to bend around.

Security choices:
- The secret is 160 bits (pyotp's default), stored Fernet-encrypted with the
  field keys (``registry.my_number``), and shown only on the enrolment page.
- A code is accepted in the current 30-second step or one step either side
  (clock drift), and only once: the last accepted step is remembered.
- Ten recovery codes of 16 base32 characters (80 bits) each, shown once,
  stored as SHA-256 over a per-code random 128-bit salt (ASVS 2.6.2), each
  usable once.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from mado.registry import my_number as field_crypto
from mado.staff.models import RecoveryCode, TwoFactorDevice

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_LENGTH = 16
VALID_WINDOW = 1  # steps either side of now (30 s each)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by hand


def required() -> bool:
    """Whether every staff account must use a second factor (``MADO_REQUIRE_2FA``)."""
    return bool(getattr(settings, "MADO_REQUIRE_2FA", False))


def device_of(user: object) -> TwoFactorDevice | None:
    """The user's confirmed device, or None."""
    pk = getattr(user, "pk", None)
    if pk is None:
        return None
    return TwoFactorDevice.objects.filter(user_id=pk, confirmed=True).first()


def is_enrolled(user: object) -> bool:
    return device_of(user) is not None


def _totp(device: TwoFactorDevice) -> pyotp.TOTP:
    return pyotp.TOTP(field_crypto.decrypt(device.secret_encrypted))


def start_enrolment(user: object) -> TwoFactorDevice:
    """A new, unconfirmed secret for the user (replaces an unconfirmed one)."""
    secret = pyotp.random_base32()
    device, _ = TwoFactorDevice.objects.update_or_create(
        user_id=user.pk,  # type: ignore[attr-defined]
        defaults={
            "secret_encrypted": field_crypto.encrypt(secret),
            "confirmed": False,
            "last_step": 0,
            "confirmed_at": None,
        },
    )
    return device


def pending_device(user: object) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(user_id=user.pk, confirmed=False).first()  # type: ignore[attr-defined]


def secret_text(device: TwoFactorDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = field_crypto.decrypt(device.secret_encrypted)
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(device: TwoFactorDevice, username: str) -> str:
    issuer = getattr(settings, "MADO_TOTP_ISSUER", "Mado")
    return _totp(device).provisioning_uri(name=username, issuer_name=issuer)


def qr_svg(device: TwoFactorDevice, username: str, title: str) -> SafeString:
    """The otpauth:// URI as an inline SVG QR code (no image request, no inline style)."""
    svg = segno.make(provisioning_uri(device, username), error="m").svg_inline(
        scale=4, border=4, title=title, dark="#000", light="#fff"
    )
    return mark_safe(svg)  # noqa: S308 - segno's own SVG of our own URI; the title is ours


def _clean_code(code: str) -> str:
    return re.sub(r"\s+", "", str(code or ""))


def verify_code(device: TwoFactorDevice, code: str, now: float | None = None) -> bool:
    """True once for a correct 6-digit code; a replay of an accepted code is refused."""
    code = _clean_code(code)
    if not re.fullmatch(r"\d{6}", code):
        return False
    with transaction.atomic():
        locked = TwoFactorDevice.objects.select_for_update().get(pk=device.pk)
        try:
            step = _totp(locked).verify_and_get_timecode(
                code, for_time=timezone.now().timestamp() if now is None else now,
                valid_window=VALID_WINDOW,
            )
        except pyotp.OTPVerificationError:
            return False
        if step <= locked.last_step:
            return False
        locked.last_step = step
        locked.save(update_fields=["last_step"])
    device.last_step = step
    return True


def confirm_enrolment(device: TwoFactorDevice, code: str) -> list[str] | None:
    """Confirm a new device with its first code; returns fresh recovery codes, or None."""
    if device.confirmed or not verify_code(device, code):
        return None
    device.refresh_from_db()
    device.confirmed = True
    device.confirmed_at = timezone.now()
    device.save(update_fields=["confirmed", "confirmed_at"])
    return new_recovery_codes(device.user)


def _hash(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _normalise_recovery(code: str) -> str:
    return _clean_code(code).replace("-", "").upper()


def new_recovery_codes(user: object) -> list[str]:
    """Replace the user's recovery codes; the plain codes are returned only here."""
    codes = [
        "".join(secrets.choice(_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]
    with transaction.atomic():
        RecoveryCode.objects.filter(user_id=user.pk).delete()  # type: ignore[attr-defined]
        rows = []
        for code in codes:
            salt = secrets.token_hex(16)
            rows.append(RecoveryCode(user_id=user.pk, salt=salt, code_hash=_hash(salt, code)))  # type: ignore[attr-defined]
        RecoveryCode.objects.bulk_create(rows)
    return ["-".join(c[i : i + 4] for i in range(0, len(c), 4)) for c in codes]


def use_recovery_code(user: object, code: str) -> bool:
    """True once for each unused recovery code of the user."""
    wanted = _normalise_recovery(code)
    if len(wanted) != RECOVERY_CODE_LENGTH:
        return False
    with transaction.atomic():
        for row in RecoveryCode.objects.select_for_update().filter(
            user_id=user.pk, used_at__isnull=True  # type: ignore[attr-defined]
        ):
            if hmac.compare_digest(row.code_hash, _hash(row.salt, wanted)):
                row.used_at = timezone.now()
                row.save(update_fields=["used_at"])
                return True
    return False


def remaining_recovery_codes(user: object) -> int:
    return RecoveryCode.objects.filter(user_id=user.pk, used_at__isnull=True).count()  # type: ignore[attr-defined]


def disable(user: object) -> None:
    """Remove the device and the recovery codes (lost phone; an administrator resets)."""
    with transaction.atomic():
        TwoFactorDevice.objects.filter(user_id=user.pk).delete()  # type: ignore[attr-defined]
        RecoveryCode.objects.filter(user_id=user.pk).delete()  # type: ignore[attr-defined]
