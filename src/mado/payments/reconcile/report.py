"""Monthly reconciliation report (月次), following 三鷹市's practice (seed 001 L1269-1352).

Why this shape: 三鷹市 compares, each month, what its register and daily
sheets booked per payment type with the payment agent's statement (収納明細);
the agent deposits the money *minus* its fee, so the fee is then moved from
expenditure to revenue (公金振替). The report therefore puts side by side,
per method: what the city booked (Payment rows paid that month), what the
statements list (gross, provider fee, net deposited), how many statement
lines matched and how many are still exceptions, and the difference between
booked and stated amounts. Cash has no statement; its row shows the booked
side only. The total fee is the amount of the 公金振替.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from mado.core.models import Municipality
from mado.payments.models import Method, Payment, PaymentStatus
from mado.payments.reconcile.models import EXCEPTION_OUTCOMES, OK_OUTCOMES, PaymentLine


@dataclass
class MonthRow:
    method: str
    label: str
    booked_count: int = 0
    booked_yen: int = 0
    statement_count: int = 0
    gross_yen: int = 0
    fee_yen: int = 0
    net_yen: int = 0
    matched_count: int = 0
    exception_count: int = 0
    unresolved_count: int = 0

    @property
    def difference_yen(self) -> int | None:
        """Booked minus stated gross; ``None`` where no statement exists (cash)."""
        return None if self.method in (Method.CASH, "total") else self.booked_yen - self.gross_yen


@dataclass
class MonthlyReport:
    year: int
    month: int
    rows: list[MonthRow] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def total(self) -> MonthRow:
        t = MonthRow("total", "合計")
        for r in self.rows:
            for name in ("booked_count", "booked_yen", "statement_count", "gross_yen", "fee_yen",
                         "net_yen", "matched_count", "exception_count", "unresolved_count"):
                setattr(t, name, getattr(t, name) + getattr(r, name))
        return t


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """Start and end (exclusive) of a calendar month in local time (Asia/Tokyo)."""
    tz = timezone.get_current_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=tz)
    return start, end


def monthly_report(municipality: Municipality, year: int, month: int) -> MonthlyReport:
    """Booked payments and statement lines of one month, per method."""
    start, end = month_bounds(year, month)
    rows = {m.value: MonthRow(m.value, str(m.label)) for m in Method}
    booked = (Payment.unscoped
              .filter(municipality=municipality, paid_at__gte=start, paid_at__lt=end,
                      status__in=(PaymentStatus.PAID, PaymentStatus.REFUNDED))
              .values("method").annotate(n=Count("id"), yen=Sum("amount_yen")).order_by())
    for b in booked:
        row = rows.setdefault(b["method"], MonthRow(b["method"], b["method"]))
        row.booked_count, row.booked_yen = b["n"], b["yen"] or 0
    stated = (PaymentLine.unscoped
              .filter(municipality=municipality, paid_at__gte=start, paid_at__lt=end)
              .values("method")
              .annotate(n=Count("id"), gross=Sum("amount_yen"), fee=Sum("fee_yen"),
                        net=Sum("net_yen"), ok=Count("id", filter=Q(outcome__in=OK_OUTCOMES)),
                        exc=Count("id", filter=Q(outcome__in=EXCEPTION_OUTCOMES)),
                        open=Count("id", filter=Q(outcome__in=EXCEPTION_OUTCOMES,
                                                  resolved_at__isnull=True)))
              .order_by())
    for s in stated:
        row = rows.setdefault(s["method"], MonthRow(s["method"], s["method"]))
        row.statement_count, row.gross_yen = s["n"], s["gross"] or 0
        row.fee_yen, row.net_yen = s["fee"] or 0, s["net"] or 0
        row.matched_count, row.exception_count, row.unresolved_count = s["ok"], s["exc"], s["open"]
    return MonthlyReport(year, month, list(rows.values()))


CSV_HEADER = [
    "支払方法", "収納件数（市の記録）", "収納額（円）", "明細件数", "明細金額（円）",
    "決済手数料（円）", "入金額（円）", "照合済件数", "要確認件数", "未処理件数", "差額（収納額−明細金額）",
]


def monthly_csv(report: MonthlyReport) -> bytes:
    """The report as CSV (UTF-8 with BOM, so that Excel opens it as Japanese text)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for r in [*report.rows, report.total()]:
        diff = r.difference_yen
        writer.writerow([r.label, r.booked_count, r.booked_yen, r.statement_count, r.gross_yen,
                         r.fee_yen, r.net_yen, r.matched_count, r.exception_count,
                         r.unresolved_count, "" if diff is None else diff])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
