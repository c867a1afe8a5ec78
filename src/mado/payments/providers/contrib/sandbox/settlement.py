"""The sandbox's settlement statement (精算明細) for one day, as the acquirer would send it.

Layout (UTF-8, header row)::

    settlement_id,transaction_id,reference,method,paid_at,amount_yen,fee_yen,net_yen
    ...one line per capture (and per refund, negative amount and net, fee 0)...
    TOTAL,,,,,<sum amount>,<sum fee>,<sum net>

The provider deducts its fee before paying out (三鷹市's practice, seed 001):
card 3.24 %, e-money 3.00 %, QR 2.50 % — rounded down to the yen — and Pay-easy
¥110 per transaction. The TOTAL net is the deposit the bank statement shows.
The day is the local (JST) date of capture or refund.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from mado.payments.providers.contrib.sandbox.models import SandboxCharge, SandboxRefund

HEADER = ["settlement_id", "transaction_id", "reference", "method", "paid_at", "amount_yen",
          "fee_yen", "net_yen"]
RATES = {"card": Decimal("0.0324"), "emoney": Decimal("0.0300"), "qr": Decimal("0.0250")}
BANK_FLAT_FEE = 110


def provider_fee(method: str, amount_yen: int) -> int:
    """The acquirer's fee on one capture (rounded down to the yen)."""
    if method == "bank":
        return min(BANK_FLAT_FEE, amount_yen)
    rate = RATES.get(method, Decimal(0))
    return int((Decimal(amount_yen) * rate).to_integral_value(rounding=ROUND_DOWN))


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def _iso(value: dt.datetime) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds")


def settlement_rows(day: dt.date, merchant: str) -> list[list[str | int]]:
    start, end = _bounds(day)
    sid = f"st_{merchant}_{day:%Y%m%d}"
    rows: list[list[str | int]] = []
    charges = SandboxCharge.objects.filter(merchant=merchant, captured_at__gte=start,
                                           captured_at__lt=end).order_by("captured_at", "pk")
    for c in charges:
        fee = provider_fee(c.method, c.captured_yen)
        rows.append([sid, c.charge_id, c.reference, c.method, _iso(c.captured_at), c.captured_yen,
                     fee, c.captured_yen - fee])
    refunds = (SandboxRefund.objects.select_related("charge")
               .filter(charge__merchant=merchant, created_at__gte=start, created_at__lt=end)
               .order_by("created_at", "pk"))
    for r in refunds:
        rows.append([sid, r.refund_id, r.charge.reference, r.charge.method, _iso(r.created_at),
                     -r.amount_yen, 0, -r.amount_yen])
    return rows


def settlement_csv(day: dt.date, merchant: str) -> str:
    """The settlement file of ``merchant`` (団体コード) for ``day`` as CSV text."""
    rows = settlement_rows(day, merchant)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    writer.writerow(["TOTAL", "", "", "", "", sum(int(r[5]) for r in rows),
                     sum(int(r[6]) for r in rows), sum(int(r[7]) for r in rows)])
    return out.getvalue()
