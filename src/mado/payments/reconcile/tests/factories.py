"""Builders of settlement and bank payment files for the reconciliation tests."""

from __future__ import annotations

from collections.abc import Iterable

SETTLEMENT_HEADER = "settlement_id,transaction_id,reference,method,paid_at,amount_yen,fee_yen,net_yen"
BANK_HEADER = "record_type,reference,payer_name,paid_on,amount_yen,channel_code,bank_code"
RATES = {"card": 0.0324, "emoney": 0.03, "qr": 0.025}


def fee_of(method: str, amount: int) -> int:
    if amount < 0:
        return 0
    return 110 if method == "bank" else int(amount * RATES[method])


def settlement_csv(lines: Iterable[tuple[str, str, str, int]], *, day: str = "2026-04-01",
                   total: bool = True) -> bytes:
    """lines: (transaction_id, reference, method, amount)."""
    out = [SETTLEMENT_HEADER]
    sums = [0, 0, 0]
    for i, (tx, ref, method, amount) in enumerate(lines):
        fee = fee_of(method, amount)
        out.append(f"S{day},{tx},{ref},{method},{day}T10:{i % 60:02d}:00+09:00,{amount},{fee},"
                   f"{amount - fee}")
        sums = [sums[0] + amount, sums[1] + fee, sums[2] + amount - fee]
    if total:
        out.append(f"TOTAL,,,,,{sums[0]},{sums[1]},{sums[2]}")
    return ("\n".join(out) + "\n").encode()


def bank_csv(lines: Iterable[tuple[str, int]], *, payer: str = "ﾔﾏﾀﾞ ﾀﾛｳ", day: str = "20260401",
             channel: str = "01", encoding: str = "cp932", bom: bool = False) -> bytes:
    """lines: (reference, amount)."""
    lines = list(lines)
    out = [BANK_HEADER]
    for ref, amount in lines:
        out.append(f"D,{ref},{payer},{day},{amount},{channel},0001")
    out.append(f"T,{len(lines)},,,{sum(a for _, a in lines)},,")
    data = ("\r\n".join(out) + "\r\n").encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data
