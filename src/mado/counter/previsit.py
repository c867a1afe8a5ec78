"""The pre-visit code (来庁前申請QR): what a resident filled at home, carried to the counter.

Why a code and not a server-side draft: 横須賀市's model (seed 001) hands the
data over as QR codes, so nothing personal waits on the server before the
visit, the resident needs no account, and the counter's USB scanner (which
simply types the text) or a camera reads it. Hence the format:

- compact: JSON → zlib → base64url (no padding); a QR code in byte mode holds
  it, and a long one is split into parts ``MADO1:<part>/<total>:<chunk>``
  that may be scanned in any order;
- signed: an HMAC-SHA256 (truncated to 128 bits) over the compressed bytes,
  keyed from SECRET_KEY with a salt of its own (``salted_hmac``), so a code
  cannot be forged or altered on the phone, and a code from one deployment is
  worthless in another;
- bound and expiring: the body carries the 団体コード, ``issued_at`` and an
  expiry 7 days later; another municipality's code or an old one is refused.

Every refusal is a :class:`PrevisitError` with a code (for tests and logs) and
a bilingual message for the clerk. The functions here are pure (no database),
so the round trip and tamper detection are property-tested.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
import time
import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.crypto import salted_hmac

PREFIX = "MADO1"
SALT = "mado.counter.previsit"
VERSION = 1
LIFETIME_S = 7 * 24 * 3600
CHUNK = 300  # characters of payload per QR code: version ~13 at level M, easy to scan
MAX_PARTS = 20
MAX_JSON = 64 * 1024
SIG_BYTES = 16
PART = re.compile(rf"^{PREFIX}:(\d{{1,2}})/(\d{{1,2}}):([A-Za-z0-9_-]+)$")

MESSAGES = {
    "empty": ("来庁前申請のコードを読み取ってください", "scan or type the pre-visit code"),
    "format": (
        "来庁前申請のコードではありません（読み取りを確かめてください）",
        "this is not a pre-visit code (check the scan)",
    ),
    "incomplete": (
        "コードの一部が足りません。残り {missing} 枚目を読み取ってください",
        "parts of the code are missing; scan part(s) {missing}",
    ),
    "mixed": (
        "別々のコードが混ざっています。1人分のコードだけを読み取ってください",
        "parts of different codes were mixed; scan one person's code only",
    ),
    "tampered": (
        "コードが改変されているか壊れています。ご本人に作り直していただいてください",
        "the code was altered or is damaged; ask the resident to make a new one",
    ),
    "expired": (
        "コードの有効期限（作成から7日）が切れています。作り直していただいてください",
        "the code has expired (7 days after it was made); ask for a new one",
    ),
    "municipality": (
        "他の市区町村で作成されたコードです。この窓口では使えません",
        "this code was made for another municipality",
    ),
}


class PrevisitError(ValueError):
    """A code that cannot be used; ``code`` says why, the message says it to the clerk."""

    status = 400

    def __init__(self, code: str, **fmt: Any) -> None:
        ja, en = MESSAGES[code]
        self.code = code
        super().__init__(f"{ja.format(**fmt)} / {en.format(**fmt)}")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(data: bytes, secret: str | None) -> bytes:
    return salted_hmac(SALT, data, secret=secret, algorithm="sha256").digest()[:SIG_BYTES]


def encode(
    payload: Mapping[str, Any],
    *,
    municipality_code: str,
    now: float | None = None,
    secret: str | None = None,
    chunk: int = CHUNK,
) -> list[str]:
    """The code's parts (one or more QR texts) for ``payload`` (JSON-serialisable)."""
    issued = int(time.time() if now is None else now)
    body = {"v": VERSION, "m": municipality_code, "i": issued, "x": issued + LIFETIME_S,
            "d": dict(payload)}
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if len(raw.encode()) > MAX_JSON:
        raise ValueError("入力が多すぎます / too much data for a pre-visit code")
    packed = zlib.compress(raw.encode("utf-8"), 9)
    token = _b64(_mac(packed, secret) + packed)
    pieces = [token[i:i + chunk] for i in range(0, len(token), chunk)] or [""]
    if len(pieces) > MAX_PARTS:
        raise ValueError("入力が多すぎます / too much data for a pre-visit code")
    total = len(pieces)
    return [f"{PREFIX}:{n}/{total}:{piece}" for n, piece in enumerate(pieces, start=1)]


def split_text(text: str) -> list[str]:
    """The parts in a scanned or pasted text (whitespace or newlines between parts)."""
    return [p for p in re.split(r"\s+", (text or "").strip()) if p]


def collect(parts: Iterable[str]) -> tuple[dict[int, str], int]:
    """Parts by number and the total; raises ``format`` / ``mixed`` (order does not matter)."""
    found: dict[int, str] = {}
    total = 0
    for part in parts:
        match = PART.match(part.strip())
        if not match:
            raise PrevisitError("format")
        n, of, piece = int(match[1]), int(match[2]), match[3]
        if not 1 <= n <= of <= MAX_PARTS:
            raise PrevisitError("format")
        if total and of != total:
            raise PrevisitError("mixed")
        if found.get(n, piece) != piece:
            raise PrevisitError("mixed")
        total, found[n] = of, piece
    return found, total


def missing_parts(parts: Iterable[str]) -> list[int]:
    found, total = collect(parts)
    return [n for n in range(1, total + 1) if n not in found]


def decode(
    parts: Iterable[str],
    *,
    municipality_code: str,
    now: float | None = None,
    secret: str | None = None,
) -> dict[str, Any]:
    """The payload of a complete, authentic, current code of this municipality."""
    parts = list(parts)
    if not parts:
        raise PrevisitError("empty")
    found, total = collect(parts)
    missing = [n for n in range(1, total + 1) if n not in found]
    if missing:
        raise PrevisitError("incomplete", missing="、".join(map(str, missing)))
    text = "".join(found[n] for n in range(1, total + 1))
    try:
        blob = _unb64(text)
    except (binascii.Error, ValueError):
        raise PrevisitError("tampered") from None
    if _b64(blob) != text:  # the spare bits of the last character were altered
        raise PrevisitError("tampered")
    sig, packed = blob[:SIG_BYTES], blob[SIG_BYTES:]
    if len(sig) < SIG_BYTES or not hmac.compare_digest(sig, _mac(packed, secret)):
        raise PrevisitError("tampered")
    try:
        inflater = zlib.decompressobj()
        raw = inflater.decompress(packed, MAX_JSON + 1)
        if len(raw) > MAX_JSON or inflater.unconsumed_tail:
            raise ValueError("too large")
        body = json.loads(raw.decode("utf-8"))
    except (zlib.error, ValueError, UnicodeDecodeError):
        raise PrevisitError("tampered") from None  # signed but unreadable: not ours
    if not isinstance(body, dict) or body.get("v") != VERSION or not isinstance(body.get("d"), dict):
        raise PrevisitError("format")
    if body.get("m") != municipality_code:
        raise PrevisitError("municipality")
    current = time.time() if now is None else now
    if not isinstance(body.get("x"), int) or current > body["x"]:
        raise PrevisitError("expired")
    return body["d"]
