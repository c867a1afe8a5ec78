"""The daily sheet (日計表) of a register day, and its CSV export.

Why it is computed from the transactions every time and never stored: the
sheet is what the cashier counts the drawer against and what the 会計管理者
receives, so it must always equal the sum of that day's register
transactions, per method (a property test checks exactly that for random
sequences of sales and cancellations). A cancellation is a transaction with
a negative amount, so it is netted in the method it was paid with and also
listed on its own with its reason.

Cash expected in the drawer = 釣銭準備金 (opening float) + the net cash of
the day; change given is not counted separately because a cash sale's
``total_yen`` is what stays in the drawer (tendered − change).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Sum

from mado.payments.models import Method
from mado.payments.register.models import RegisterDay, RegisterTransaction, TransactionKind

__all__ = ["DailySheet", "MethodRow", "daily_sheet", "daily_sheet_csv"]

SHEET_METHODS = (Method.CASH, Method.CARD, Method.EMONEY, Method.QR)


@dataclass
class MethodRow:
    method: str
    label: str
    sale_count: int = 0
    sale_total_yen: int = 0
    void_count: int = 0
    void_total_yen: int = 0  # negative or 0

    @property
    def net_count(self) -> int:
        return self.sale_count - self.void_count

    @property
    def net_total_yen(self) -> int:
        return self.sale_total_yen + self.void_total_yen


@dataclass
class DailySheet:
    day: RegisterDay
    rows: list[MethodRow]
    voids: list[RegisterTransaction] = field(default_factory=list)
    transactions: list[RegisterTransaction] = field(default_factory=list)

    def row(self, method: str) -> MethodRow:
        return next(r for r in self.rows if r.method == method)

    @property
    def net_total_yen(self) -> int:
        return sum(r.net_total_yen for r in self.rows)

    @property
    def sale_count(self) -> int:
        return sum(r.sale_count for r in self.rows)

    @property
    def void_count(self) -> int:
        return sum(r.void_count for r in self.rows)

    @property
    def cashless_total_yen(self) -> int:
        return sum(r.net_total_yen for r in self.rows if r.method != Method.CASH)

    @property
    def cash_expected_yen(self) -> int:
        return self.day.opening_float_yen + self.row(Method.CASH).net_total_yen

    @property
    def cash_difference_yen(self) -> int | None:
        """Counted minus expected (過不足), once the cash was counted at closing."""
        if self.day.counted_cash_yen is None:
            return None
        return self.day.counted_cash_yen - self.cash_expected_yen


def daily_sheet(day: RegisterDay) -> DailySheet:
    """Per method: sales and cancellations (count and total) of ``day``, from the database."""
    labels = dict(Method.choices)
    rows = {m: MethodRow(method=str(m), label=str(labels[m])) for m in SHEET_METHODS}
    totals = (
        RegisterTransaction.unscoped.filter(day=day)
        .values("method", "kind")
        .annotate(n=Count("pk"), total=Sum("total_yen"))
    )
    for t in totals:
        row = rows.get(t["method"])
        if row is None:  # a method the register no longer offers: still shown, never dropped
            row = rows[t["method"]] = MethodRow(
                method=t["method"], label=str(labels.get(t["method"], t["method"]))
            )
        if t["kind"] == TransactionKind.SALE:
            row.sale_count, row.sale_total_yen = t["n"], t["total"] or 0
        else:
            row.void_count, row.void_total_yen = t["n"], t["total"] or 0
    transactions = list(
        RegisterTransaction.unscoped.filter(day=day)
        .select_related("day", "voids__day", "payment", "created_by")
        .order_by("number")
    )
    voids = [t for t in transactions if t.kind == TransactionKind.VOID]
    return DailySheet(day=day, rows=list(rows.values()), voids=voids, transactions=transactions)


def daily_sheet_csv(sheet: DailySheet) -> str:
    """The sheet as CSV (UTF-8 with BOM, so that Excel on a city PC opens it in Japanese)."""
    out = io.StringIO()
    out.write("\ufeff")
    w = csv.writer(out, lineterminator="\r\n")
    day = sheet.day
    w.writerow(["日計表", day.department.name, day.business_date.isoformat()])
    w.writerow(["状態", "締め済" if day.is_closed else "未締め"])
    w.writerow([])
    w.writerow(["支払方法", "method", "会計件数", "会計金額", "取消件数", "取消金額", "差引件数", "差引金額"])
    for r in sheet.rows:
        w.writerow(
            [
                r.label, r.method, r.sale_count, r.sale_total_yen, r.void_count,
                r.void_total_yen, r.net_count, r.net_total_yen,
            ]
        )  # fmt: skip
    w.writerow(["合計", "total", sheet.sale_count, "", sheet.void_count, "", "", sheet.net_total_yen])
    w.writerow([])
    w.writerow(["釣銭準備金", day.opening_float_yen])
    w.writerow(["現金在高（理論値）", sheet.cash_expected_yen])
    counted: Any = "" if day.counted_cash_yen is None else day.counted_cash_yen
    diff: Any = "" if sheet.cash_difference_yen is None else sheet.cash_difference_yen
    w.writerow(["現金在高（実査）", counted])
    w.writerow(["過不足", diff])
    w.writerow([])
    w.writerow(["取引番号", "種別", "支払方法", "金額", "収納番号", "取り消した取引", "理由", "日時"])
    for t in sheet.transactions:
        w.writerow(
            [
                t.receipt_number,
                t.get_kind_display(),
                t.method,
                t.total_yen,
                t.payment.reference if t.payment_id else "",
                t.voids.receipt_number if t.voids_id else "",
                t.reason,
                t.created_at.isoformat(),
            ]
        )
    return out.getvalue()
