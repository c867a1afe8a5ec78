"""個人番号 (My Number): validation, encryption at rest, masking, blind index.

個人番号 is 特定個人情報 under 番号法: it is stored only encrypted (Fernet,
AES-128-CBC + HMAC, keys from ``MADO_FIELD_KEYS`` with rotation through
MultiFernet), shown masked, and found by a keyed HMAC (blind index) so that a
lookup never needs to decrypt the table. Reading the clear number goes through
``registry.services.reveal_my_number`` which checks the role and audits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

MASK = "●●●● ●●●● ●●●●"


class MyNumberError(ValueError):
    """A string that is not a valid 12-digit 個人番号."""


def check_digit(first_eleven: str) -> int:
    """検査用数字 (番号法施行令 第8条): weights 2..7 from the right, mod 11."""
    digits = [int(c) for c in first_eleven]
    if len(digits) != 11:
        raise MyNumberError("11 digits expected")
    total = 0
    for n in range(1, 12):
        p = digits[11 - n]
        q = n + 1 if n <= 6 else n - 5
        total += p * q
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def normalize(value: str) -> str:
    """Strip spaces/hyphens and full-width digits; raise MyNumberError if invalid."""
    table = str.maketrans("０１２３４５６７８９", "0123456789")
    cleaned = "".join(ch for ch in value.translate(table) if ch not in " -‐－ー　")
    if len(cleaned) != 12 or not cleaned.isascii() or not cleaned.isdigit():
        raise MyNumberError("個人番号は12桁の数字です / My Number must be 12 digits.")
    if check_digit(cleaned[:11]) != int(cleaned[11]):
        raise MyNumberError("個人番号の検査用数字が違います / My Number check digit mismatch.")
    return cleaned


def _derive(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"mado-registry", info=info).derive(
        secret
    )


@lru_cache(maxsize=4)
def _keys(config: tuple[str, ...], secret_key: str, lookup_key: str) -> tuple[MultiFernet, bytes]:
    if config:
        fernets = [Fernet(k.encode()) for k in config]
        lookup_secret = (
            lookup_key.encode() if lookup_key else base64.urlsafe_b64decode(config[-1].encode())
        )
    else:
        # Development and tests only: settings refuse production without keys.
        dev = base64.urlsafe_b64encode(_derive(secret_key.encode(), b"field-key"))
        fernets = [Fernet(dev)]
        lookup_secret = dev
    return MultiFernet(fernets), _derive(lookup_secret, b"my-number-lookup")


def _crypto() -> tuple[MultiFernet, bytes]:
    return _keys(
        tuple(settings.MADO_FIELD_KEYS),
        settings.SECRET_KEY,
        getattr(settings, "MADO_LOOKUP_KEY", ""),
    )


def encrypt(number: str) -> str:
    return _crypto()[0].encrypt(number.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _crypto()[0].decrypt(token.encode()).decode()
    except InvalidToken as exc:  # wrong key configured, or the row was tampered with
        raise MyNumberError("個人番号を復号できません / cannot decrypt My Number") from exc


def lookup_hash(number: str) -> str:
    """Keyed hash used to find a resident by number without decrypting."""
    return hmac.new(_crypto()[1], number.encode(), hashlib.sha256).hexdigest()


def rotate(token: str) -> str:
    """Re-encrypt a ciphertext under the newest key (MultiFernet.rotate)."""
    try:
        return _crypto()[0].rotate(token.encode()).decode()
    except InvalidToken as exc:
        raise MyNumberError("個人番号を復号できません / cannot decrypt My Number") from exc


def mask(has_number: bool) -> str:
    return MASK if has_number else ""
