"""Payment slips (納付書): an A4 PDF with the 収納番号 and a QR code a bank or a smartphone reads.

Why a slip: residents who cannot or will not pay online still get a fee to
pay without a visit — at a bank counter, a convenience store or with a
smartphone payment app that reads the QR code (the national 統一QR / eL-QR,
used for local taxes from 2023 and for other public funds from 2026, seed 002
L338-383). Whatever way it is paid, the payment comes back to the city in a
payment data file with the slip's reference, and reconciliation (消込) books
it through :func:`mado.payments.services.book_payment` — that is what "a
payment arriving for a slip closes it" means; the slip itself holds no state.

The QR payload is **simulated**: the eL-QR layout is not public, so Mado uses
its own documented string (docs/payments-register.md)::

    MADO-ELQR:1:<団体コード 6 digits>:<収納番号 13 digits>:<amount yen>:<due YYYYMMDD>:<CRC-32 hex>

The CRC-32 (8 upper-case hex digits over everything before the last colon)
catches a damaged or hand-edited payload; the reference's own check digit and
the 団体コード's check digit are verified too. It is an integrity check, not a
signature: a forged slip still has to match an expected Payment (reference
*and* amount) when the money arrives, which reconciliation enforces.
"""

from __future__ import annotations

import datetime as dt
import io
import zlib
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas as pdfcanvas

from mado.core.codes import is_valid_municipality_code
from mado.core.text import format_wareki
from mado.payments.models import Payment
from mado.payments.services import PaymentReferenceError, format_reference, validate_reference

__all__ = [
    "PAYLOAD_PREFIX",
    "SlipError",
    "SlipPayload",
    "parse_slip_payload",
    "slip_payload",
    "slip_pdf",
]

PAYLOAD_PREFIX = "MADO-ELQR"
PAYLOAD_VERSION = "1"


class SlipError(ValueError):
    """A slip that cannot be made, or a QR payload that is malformed or altered (日本語 / English)."""


@dataclass(frozen=True)
class SlipPayload:
    """What a slip's QR code says: who is to be paid, which payment, how much, by when."""

    municipality_code: str
    reference: str
    amount_yen: int
    due_date: dt.date


def _crc(text: str) -> str:
    return f"{zlib.crc32(text.encode('ascii')) & 0xFFFFFFFF:08X}"


def _due(payment: Payment, due_date: dt.date | None) -> dt.date:
    due = due_date or payment.due_date
    if due is None:
        raise SlipError("納期限がありません / the payment has no due date")
    return due


def slip_payload(payment: Payment, *, due_date: dt.date | None = None) -> str:
    """The simulated eL-QR-like string printed as the slip's QR code (see the module docstring)."""
    due = _due(payment, due_date)
    body = ":".join(
        [
            PAYLOAD_PREFIX,
            PAYLOAD_VERSION,
            payment.municipality.code,
            payment.reference,
            str(int(payment.amount_yen)),
            f"{due:%Y%m%d}",
        ]
    )
    return f"{body}:{_crc(body)}"


def parse_slip_payload(text: str) -> SlipPayload:
    """Read a payload back; any damage or edit raises :class:`SlipError`."""
    raw = (text or "").strip()
    parts = raw.split(":")
    if len(parts) != 7 or parts[0] != PAYLOAD_PREFIX:
        raise SlipError("納付書のQRコードではありません / not a payment slip QR code")
    if parts[1] != PAYLOAD_VERSION:
        raise SlipError(
            f"対応していない版です: {parts[1]!r} / unsupported payload version {parts[1]!r}"
        )
    body, check = raw.rsplit(":", 1)
    if not body.isascii() or _crc(body) != check:
        raise SlipError(
            "QRコードの内容が壊れているか書き換えられています / the QR payload is damaged or altered"
        )
    _, _, code, reference, amount, due = parts[:6]
    if not is_valid_municipality_code(code):
        raise SlipError("団体コードが不正です / invalid municipality code")
    try:
        reference = validate_reference(reference)
    except PaymentReferenceError as exc:
        raise SlipError(str(exc)) from exc
    if not amount.isdigit():
        raise SlipError("金額が不正です / invalid amount")
    try:
        due_date = dt.datetime.strptime(due, "%Y%m%d").date()
    except ValueError as exc:
        raise SlipError("納期限が不正です / invalid due date") from exc
    return SlipPayload(code, reference, int(amount), due_date)


# ---------------------------------------------------------------- the PDF


def _yen(amount: int) -> str:
    return f"¥{amount:,}"


def _date(d: dt.date) -> str:
    return f"{format_wareki(d)}（{d:%Y-%m-%d}）"


def _draw_qr(c: Any, payload: str, x: float, y: float, size: float) -> None:
    """The QR code as vector squares (no image library needed, sharp at any print size)."""
    qr = segno.make(payload, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix]
    quiet = 4
    modules = len(matrix) + 2 * quiet
    cell = size / modules
    c.setFillColor(colors.white)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColor(colors.black)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(
                    x + (col + quiet) * cell,
                    y + size - (r + quiet + 1) * cell,
                    cell,
                    cell,
                    stroke=0,
                    fill=1,
                )


def _part(
    c: Any, font: str, top: float, title: str, rows: list[tuple[str, str]], payload: str | None
) -> None:
    width, _height = A4
    left = 18 * mm
    c.setFont(font, 16)
    c.drawString(left, top, title)
    y = top - 11 * mm
    for label, value in rows:
        c.setFont(font, 9)
        c.drawString(left, y, label)
        c.setFont(font, 12 if label != "金額" else 16)
        c.drawString(left + 32 * mm, y, value)
        y -= 9 * mm
    if payload:
        size = 48 * mm
        _draw_qr(c, payload, width - left - size, top - size - 2 * mm, size)
        c.setFont(font, 7)
        c.drawRightString(width - left, top - size - 6 * mm, "統一QR（eL-QR）類似・模擬形式")


def slip_pdf(
    payment: Payment, *, due_date: dt.date | None = None, issued_on: dt.date | None = None
) -> bytes:
    """An A4 納付書: the part for the bank (with the QR code) and the payer's copy (控)."""
    from mado.navigator.pdf import japanese_font

    due = _due(payment, due_date)
    payload = slip_payload(payment, due_date=due)
    font, _embedded = japanese_font()
    issued = issued_on or dt.date.today()
    municipality = payment.municipality
    address = str((payment.detail or {}).get("payer_address", ""))
    rows = [
        ("収納機関（納付先）", f"{municipality.name}（団体コード {municipality.code}）"),
        ("納付者", f"{payment.payer_name or '—'} 様"),
        ("住所", address or "—"),
        ("内容", payment.description),
        ("金額", _yen(payment.amount_yen)),
        ("納期限", _date(due)),
        ("収納番号", format_reference(payment.reference)),
        ("発行日", _date(issued)),
    ]
    buffer = io.BytesIO()
    c = pdfcanvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    c.setTitle(f"納付書 {format_reference(payment.reference)}")
    c.setAuthor(escape(municipality.name))
    c.setSubject("納付書 / payment slip")
    width, height = A4
    _part(c, font, height - 22 * mm, "納付書（兼領収証書）", rows, payload)
    c.setFont(font, 8)
    notes = [
        "お支払い方法: 金融機関の窓口、またはスマートフォン決済アプリでQRコードを読み取ってください。",
        "Pay at a bank counter, or scan the QR code with a smartphone payment app.",
        "納期限を過ぎた場合は、担当課にお問い合わせください。収納番号は13桁です。",
        "この納付書のQRコードは Mado の模擬形式です（全国の eL-QR の仕様は公開されていません）。",
    ]
    y = height - 22 * mm - 11 * mm - 9 * mm * len(rows) - 2 * mm
    for line in notes:
        c.drawString(18 * mm, y, line)
        y -= 5 * mm
    # Cut line, then the payer's copy (no QR code: it is not for paying).
    cut = y - 4 * mm
    c.setDash(3, 3)
    c.setStrokeColor(colors.grey)
    c.line(10 * mm, cut, width - 10 * mm, cut)
    c.setDash()
    c.setFont(font, 7)
    c.drawCentredString(width / 2, cut + 1.5 * mm, "きりとり線 / cut here")
    copy_rows = [r for r in rows if r[0] in ("収納機関（納付先）", "内容", "金額", "納期限", "収納番号")]
    _part(c, font, cut - 12 * mm, "納付者控（お客様保管用）", copy_rows, None)
    c.showPage()
    c.save()
    return buffer.getvalue()
