"""Public API of the counter register (窓口レジ): ring up fees, cancel, close the day, slips.

Why it books through the payments kernel: 南房総市 introduces POS registers at
its counters precisely so that cash and cashless are not kept twice (seed 000
L115-165). A sale here is therefore one :class:`RegisterTransaction` *and*
one :class:`~mado.payments.models.Payment` (channel ``counter``) booked with
:func:`mado.payments.services.book_payment` in the same database
transaction — the ServiceEvent with the method (cashless share by method)
and the audit entry come from there, exactly as for a web or a bank payment.

Double booking is prevented twice over: every register form carries a fresh
token and a second submission with the same token returns the first sale
(a double click, a browser resubmit, a network retry); and the register day
row is locked while a number is drawn, so two cashiers on one register never
get the same receipt number or ring into a closed day.

A cancellation (取消) is allowed only on the same business day before the
day is closed; it adds a reversing transaction and marks the payment
refunded — nothing is deleted. The daily sheet and the CSV export are in
:mod:`mado.payments.register.sheet`, the 納付書 desk in
:mod:`mado.payments.register.slipdesk`; both are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from mado.core import audit
from mado.core.models import Department, Municipality, Role
from mado.core.services import memberships_of
from mado.payments.models import Method, Payment, PaymentChannel, PaymentStatus
from mado.payments.register.models import (
    RegisterDay,
    RegisterLine,
    RegisterTransaction,
    TransactionKind,
)
from mado.payments.register.sheet import DailySheet, MethodRow, daily_sheet, daily_sheet_csv
from mado.payments.register.slipdesk import (
    create_fee_slip,
    find_payment,
    issue_slip,
    latest_slip,
    recent_slips,
)
from mado.payments.services import PaymentError, book_payment, create_payment

__all__ = [
    "REGISTER_METHODS",
    "REGISTER_ROLES",
    "DailySheet",
    "FeeItem",
    "MethodRow",
    "RegisterError",
    "RingUpResult",
    "close_day",
    "create_fee_slip",
    "daily_sheet",
    "daily_sheet_csv",
    "fee_items",
    "find_payment",
    "get_day",
    "issue_slip",
    "latest_slip",
    "new_token",
    "open_day",
    "recent_days",
    "recent_slips",
    "register_departments",
    "ring_up",
    "void_transaction",
]

REGISTER_ROLES = frozenset({Role.COUNTER, Role.MANAGER})
# What the counter terminal takes (a 納付書 or a bank transfer is not paid at the register).
REGISTER_METHODS = (Method.CASH, Method.CARD, Method.EMONEY, Method.QR)
MAX_QUANTITY = 99


class RegisterError(ValueError):
    """A ring-up, cancellation or closing that is refused; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class FeeItem:
    """A fee the register can ring up: a procedure of the catalogue with a fee."""

    code: str
    name: str
    unit_price_yen: int
    unit_label: str
    department_name: str
    note: str


@dataclass(frozen=True)
class RingUpResult:
    transaction: RegisterTransaction
    created: bool  # False: this token had already rung up that transaction (nothing booked again)


def new_token() -> str:
    """A fresh form token: one per register form shown, so a resubmit is recognised."""
    return secrets.token_urlsafe(24)


def register_departments(user: Any) -> list[Department]:
    """Departments whose register ``user`` may operate (role counter or manager there)."""
    seen: dict[int, Department] = {}
    for m in memberships_of(user):
        if m.role in REGISTER_ROLES:
            seen.setdefault(m.department_id, m.department)
    return list(seen.values())


def fee_items(municipality: Municipality, department: Department | None = None) -> list[FeeItem]:
    """Every active procedure with a fee, in catalogue order, ``department``'s own items first."""
    from mado.procedures.models import Procedure

    rows = (
        Procedure.unscoped.filter(municipality=municipality, is_active=True, fee__gt=0)
        .select_related("department")
        .order_by("department__sort_order", "department__code", "plan_order", "code")
    )
    if department is not None:  # stable sort: the register's own department first
        rows = sorted(rows, key=lambda p: p.department_id != department.pk)
    return [
        FeeItem(
            code=p.code,
            name=p.name,
            unit_price_yen=p.fee,
            unit_label=p.get_fee_unit_display(),
            department_name=p.department.name,
            note=p.fee_note,
        )
        for p in rows
    ]


def open_day(department: Department, on: dt.date | None = None) -> RegisterDay:
    """The department's register day for ``on`` (today), created when first needed."""
    day, _ = RegisterDay.unscoped.get_or_create(
        municipality_id=department.municipality_id,
        department=department,
        business_date=on or timezone.localdate(),
    )
    return day


def get_day(municipality: Municipality, pk: int) -> RegisterDay | None:
    return (
        RegisterDay.unscoped.filter(municipality=municipality, pk=pk)
        .select_related("department")
        .first()
    )


def recent_days(department: Department, limit: int = 31) -> list[RegisterDay]:
    return list(
        RegisterDay.unscoped.filter(
            municipality_id=department.municipality_id, department=department
        ).order_by("-business_date")[:limit]
    )


def _quantities(items: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, int]:
    pairs = items.items() if isinstance(items, Mapping) else items
    result: dict[str, int] = {}
    for code, raw in pairs:
        text = str(raw if raw is not None else "").strip()
        if text == "":
            continue
        try:
            qty = int(text)
        except ValueError:
            raise RegisterError(
                "数量は0から99までの数字で入力してください / a quantity is a number from 0 to 99",
                f"qty-{code}",
            ) from None
        if not 0 <= qty <= MAX_QUANTITY:
            raise RegisterError(
                "数量は0から99までの数字で入力してください / a quantity is a number from 0 to 99",
                f"qty-{code}",
            )
        if qty:
            result[code] = result.get(code, 0) + qty
    return result


def _lock_day(department: Department, on: dt.date) -> RegisterDay:
    day = open_day(department, on)
    return RegisterDay.unscoped.select_for_update().get(pk=day.pk)


def _next_number(day: RegisterDay) -> int:
    top = RegisterTransaction.unscoped.filter(day=day).aggregate(m=Max("number"))["m"]
    return (top or 0) + 1


def ring_up(
    department: Department,
    *,
    items: Mapping[str, Any] | Iterable[tuple[str, Any]],
    method: str,
    token: str,
    tendered_yen: int | None = None,
    payer_name: str = "",
    by: Any = None,
) -> RingUpResult:
    """Ring up fees on ``department``'s register and book one counter Payment for the total.

    ``items`` maps procedure codes to quantities. Cash needs ``tendered_yen``
    of at least the total (the change is stored); cashless methods take the
    total as authorised by the terminal. The same ``token`` twice returns the
    first transaction with ``created`` False.
    """
    municipality = department.municipality
    token = (token or "").strip()
    if not token or len(token) > 64:
        raise RegisterError(
            "画面を開き直してください（フォームの有効期限切れ） / please reload the register page"
        )
    existing = _by_token(municipality, token)
    if existing is not None:
        return RingUpResult(existing, False)
    if method not in REGISTER_METHODS:
        raise RegisterError("支払方法を選んでください / choose a payment method", "method")
    quantities = _quantities(items)
    catalogue = {item.code: item for item in fee_items(municipality, department)}
    unknown = sorted(set(quantities) - set(catalogue))
    if unknown:
        raise RegisterError(f"品目がありません: {unknown[0]} / unknown item {unknown[0]}")
    if not quantities:
        raise RegisterError(
            "品目の数量を1以上入力してください / enter a quantity for at least one item",
            f"qty-{next(iter(catalogue), '')}",
        )
    lines = [
        (catalogue[code], qty, catalogue[code].unit_price_yen * qty)
        for code, qty in quantities.items()
    ]
    total = sum(amount for _item, _qty, amount in lines)
    change = 0
    if method == Method.CASH:
        if tendered_yen is None:
            raise RegisterError(
                "お預かり金額を入力してください / enter the cash tendered", "tendered"
            )
        if tendered_yen < total:
            raise RegisterError(
                f"お預かり金額が合計 ¥{total:,} に足りません / "
                f"the cash tendered is less than the total ¥{total:,}",
                "tendered",
            )
        change = tendered_yen - total
    else:
        tendered_yen = None
    description = "窓口: " + "、".join(f"{item.name}×{qty}" for item, qty, _a in lines)
    try:
        with transaction.atomic():
            day = _lock_day(department, timezone.localdate())
            if day.is_closed:
                raise RegisterError(
                    "本日のレジは締め済みです / today's register is already closed"
                )
            payment = create_payment(
                municipality,
                amount_yen=total,
                description=description,
                channel=PaymentChannel.COUNTER,
                procedure_code=lines[0][0].code if len(lines) == 1 else "",
                payer_name=payer_name,
                detail={
                    "register_day": day.pk,
                    "lines": [{"code": i.code, "quantity": q, "amount_yen": a} for i, q, a in lines],
                },
            )
            txn = RegisterTransaction.unscoped.create(
                municipality=municipality,
                day=day,
                number=_next_number(day),
                kind=TransactionKind.SALE,
                method=method,
                total_yen=total,
                tendered_yen=tendered_yen,
                change_yen=change,
                payment=payment,
                payer_name=payer_name[:200],
                token=token,
                created_by=by if getattr(by, "is_authenticated", False) else None,
            )
            RegisterLine.unscoped.bulk_create(
                [
                    RegisterLine(
                        municipality=municipality,
                        transaction=txn,
                        procedure_code=item.code,
                        description=item.name[:200],
                        unit_price_yen=item.unit_price_yen,
                        quantity=qty,
                        amount_yen=amount,
                    )
                    for item, qty, amount in lines
                ]
            )
            result = book_payment(
                payment, method=method, amount_yen=total, source="register", by=by
            )
            if not result.booked:  # a fresh payment: cannot happen unless the kernel changes
                raise PaymentError(f"収納できませんでした / not booked ({result.problem})")
    except IntegrityError:
        existing = _by_token(municipality, token)
        if existing is None:
            raise
        return RingUpResult(existing, False)
    return RingUpResult(txn, True)


def _by_token(municipality: Municipality, token: str) -> RegisterTransaction | None:
    return RegisterTransaction.unscoped.filter(municipality=municipality, token=token).first()


def void_transaction(sale: RegisterTransaction, *, reason: str, by: Any = None) -> RegisterTransaction:
    """Cancel a sale of today's open register: a reversing transaction, the payment refunded."""
    reason = (reason or "").strip()
    if not reason:
        raise RegisterError("取消の理由を入力してください / enter the reason", "reason")
    with transaction.atomic():
        day = RegisterDay.unscoped.select_for_update().get(pk=sale.day_id)
        sale = RegisterTransaction.unscoped.select_for_update().get(pk=sale.pk)
        if sale.kind != TransactionKind.SALE:
            raise RegisterError("取消の取引は取り消せません / a cancellation cannot be cancelled")
        if RegisterTransaction.unscoped.filter(voids=sale).exists():
            raise RegisterError("この会計は取消済みです / this sale is already cancelled")
        if day.business_date != timezone.localdate() or day.is_closed:
            raise RegisterError(
                "取消できるのは締め前の当日の会計だけです（前日以前は還付の手続で） / "
                "only today's sales before closing can be cancelled (earlier ones are refunds)"
            )
        void = RegisterTransaction.unscoped.create(
            municipality_id=sale.municipality_id,
            day=day,
            number=_next_number(day),
            kind=TransactionKind.VOID,
            method=sale.method,
            total_yen=-sale.total_yen,
            payment=sale.payment,
            voids=sale,
            reason=reason[:300],
            payer_name=sale.payer_name,
            token=new_token(),
            created_by=by if getattr(by, "is_authenticated", False) else None,
        )
        if sale.payment_id:
            _refund_payment(sale.payment, reason=reason, by=by)
        audit.record(
            "register_void",
            user=by,
            municipality=day.municipality,
            target_type="register_transaction",
            target_id=sale.receipt_number,
            reason=reason[:300],
            detail={"amount_yen": sale.total_yen, "method": sale.method, "void": void.number},
        )
    return void


def _refund_payment(payment: Payment, *, reason: str, by: Any) -> None:
    """Return the whole amount of a counter payment (取消 = full refund) through payments.services."""
    from mado.payments.services import refund_payment

    payment.refresh_from_db()
    if payment.status != PaymentStatus.PAID:
        return
    refund_payment(
        payment,
        amount_yen=payment.amount_yen - payment.refunded_yen,
        reason=f"レジ取消: {reason}",
        by=by,
    )


def close_day(day: RegisterDay, *, by: Any = None, counted_cash_yen: int | None = None) -> RegisterDay:
    """日計締め: no transaction may be added to or cancelled on ``day`` afterwards."""
    with transaction.atomic():
        locked = RegisterDay.unscoped.select_for_update().get(pk=day.pk)
        if locked.is_closed:
            raise RegisterError("この日のレジは締め済みです / this register day is already closed")
        locked.closed_at = timezone.now()
        locked.closed_by = by if getattr(by, "is_authenticated", False) else None
        locked.counted_cash_yen = counted_cash_yen
        locked.save(update_fields=["closed_at", "closed_by", "counted_cash_yen"])
        sheet = daily_sheet(locked)
        audit.record(
            "register_closed",
            user=by,
            municipality=locked.municipality,
            target_type="register_day",
            target_id=f"{locked.department.code}:{locked.business_date}",
            detail={
                "net_total_yen": sheet.net_total_yen,
                "cash_expected_yen": sheet.cash_expected_yen,
                "counted_cash_yen": counted_cash_yen,
            },
        )
    return locked


def set_opening_float(department: Department, amount_yen: int, *, by: Any = None,
                      on: dt.date | None = None) -> RegisterDay:
    """釣銭準備金: the cash put in the drawer before the day's first sale (audited).

    Refused once the day has a transaction or is closed: the expected cash of
    the daily sheet (float + cash taken) would otherwise change after the fact.
    """
    if amount_yen < 0 or amount_yen > MAX_OPENING_FLOAT_YEN:
        raise RegisterError(f"釣銭準備金は 0〜{MAX_OPENING_FLOAT_YEN:,} 円で入力してください"
                            " / the opening float must be between 0 and "
                            f"{MAX_OPENING_FLOAT_YEN:,} yen", "opening_float")
    with transaction.atomic():
        locked = _lock_day(department, on or timezone.localdate())
        if locked.is_closed:
            raise RegisterError("この日のレジは締め済みです / this register day is already closed",
                                "opening_float")
        if RegisterTransaction.unscoped.filter(day=locked).exists():
            raise RegisterError("最初の会計の後は釣銭準備金を変更できません"
                                " / the opening float cannot change after the first sale",
                                "opening_float")
        before = locked.opening_float_yen
        locked.opening_float_yen = amount_yen
        locked.save(update_fields=["opening_float_yen"])
        audit.record(
            "register_opening_float", user=by, municipality=locked.municipality,
            target_type="register_day",
            target_id=f"{locked.department.code}:{locked.business_date}",
            detail={"opening_float_yen": amount_yen, "before_yen": before},
        )
    return locked


MAX_OPENING_FLOAT_YEN = 1_000_000
