"""Parsers of the two incoming payment file layouts (see docs/payments-reconciliation.md).

Why per-line errors instead of rejecting the file: a bank file of ten
thousand payments with one garbled line must not hold up the other 9,999
(each of them is a resident waiting for their case to move). A broken line
is reported with its line number, column and a bilingual message, and the
rest is imported; only a file that cannot be read at all (wrong header,
undecodable bytes, empty) is refused as a whole.

A reference (収納番号) with a wrong check digit is *not* a parse error: the
money arrived, so the line is imported and matched as ``invalid_reference``
for staff to sort out.

Both layouts are CSV with a header row; the bank / eL-QR-style file may be
Shift_JIS (cp932, what Japanese banks still send) or UTF-8, with or without
a BOM. This module is pure Python (no database) so it can be tested and
benchmarked alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from mado.core.text import normalize_width

JST = ZoneInfo("Asia/Tokyo")

SETTLEMENT_HEADER = (
    "settlement_id", "transaction_id", "reference", "method", "paid_at",
    "amount_yen", "fee_yen", "net_yen",
)
BANK_HEADER = (
    "record_type", "reference", "payer_name", "paid_on", "amount_yen",
    "channel_code", "bank_code",
)
SETTLEMENT_METHODS = ("card", "emoney", "qr", "bank")

# channel_code of the bank / eL-QR-style file (simulated) → Payment.method.
BANK_CHANNELS: dict[str, tuple[str, str]] = {
    "01": ("slip", "金融機関窓口（納付書）"),
    "02": ("bank", "ATM・インターネットバンキング（ペイジー）"),
    "03": ("qr", "スマートフォン決済アプリ（QRコード読取）"),
    "04": ("card", "クレジットカード（eLお支払サイト）"),
    "05": ("slip", "コンビニエンスストア（納付書）"),
}

_DIGITS_ONLY = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")
_REF_NOISE = re.compile(r"[\s\-‐‑‒–—―−ー－ｰ]")


class FileFormatError(ValueError):
    """The file as a whole cannot be read (message: 日本語 / English)."""


@dataclass(frozen=True)
class LineError:
    line_no: int
    column: str
    message: str
    severity: str = "error"  # "error": line not imported; "warning": imported, but check it

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line_no, "column": self.column, "message": self.message,
                "severity": self.severity}


@dataclass
class Record:
    """One payment line, normalised; ``reference`` is digits as given (not yet validated)."""

    line_no: int
    reference: str
    method: str
    paid_at: dt.datetime
    amount_yen: int
    fee_yen: int = 0
    net_yen: int = 0
    payer_name: str = ""
    transaction_id: str = ""
    settlement_id: str = ""
    channel_code: str = ""
    bank_code: str = ""


@dataclass
class ParsedFile:
    kind: str  # "settlement" | "bank"
    encoding: str
    records: list[Record] = field(default_factory=list)
    errors: list[LineError] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # file-level findings (totals)
    declared: dict[str, int] = field(default_factory=dict)  # the TOTAL / trailer values


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding name: UTF-8 with BOM, UTF-8, else cp932 (Shift_JIS)."""
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as exc:
            raise FileFormatError(_undecodable(exc)) from exc
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "cp932"
    except UnicodeDecodeError as exc:
        raise FileFormatError(_undecodable(exc)) from exc


def _undecodable(exc: UnicodeDecodeError) -> str:
    return (f"文字コードを判別できません（UTF-8・Shift_JIS 以外、{exc.start} バイト目）"
            f" / cannot decode the file as UTF-8 or Shift_JIS (byte {exc.start})")


def parse_file(data: bytes) -> ParsedFile:
    """Parse either layout, recognised by its header row."""
    if not data.strip():
        raise FileFormatError("ファイルが空です / the file is empty")
    text, encoding = decode(data)
    rows = csv.reader(io.StringIO(text, newline=""))
    header = next(rows, None)
    names = tuple(normalize_width(h).strip().lower() for h in (header or []))
    if names == SETTLEMENT_HEADER:
        parsed = ParsedFile("settlement", encoding)
        _parse_settlement(rows, parsed)
    elif names == BANK_HEADER:
        parsed = ParsedFile("bank", encoding)
        _parse_bank(rows, parsed)
    else:
        raise FileFormatError(
            "見出し行が精算明細・収納データのどちらの形式とも一致しません。"
            f"精算明細: {','.join(SETTLEMENT_HEADER)} / 収納データ: {','.join(BANK_HEADER)}"
            " / the header row matches neither the settlement nor the bank payment layout"
        )
    return parsed


def _w(value: str) -> str:
    """normalize_width with a fast path for plain ASCII (nearly every field of a bank file)."""
    return value.strip() if value.isascii() else normalize_width(value)


def normalize_reference(text: str) -> str:
    """Digits of a reference as written (full-width digits and dashes folded)."""
    text = text or ""
    if text.isascii() and text.isdigit():
        return text[:40]
    return _REF_NOISE.sub("", normalize_width(text))[:40]


def _int(value: str, *, signed: bool) -> int | None:
    v = _w(value).replace(",", "")
    return int(v) if (_SIGNED if signed else _DIGITS_ONLY).fullmatch(v) else None


class _Bad(Exception):
    def __init__(self, column: str, message: str) -> None:
        self.column, self.message = column, message


def _need_int(value: str, column: str, *, signed: bool = False) -> int:
    n = _int(value, signed=signed)
    if n is None:
        raise _Bad(column, f"整数ではありません: {value!r} / not an integer: {value!r}")
    return n


def _paid_at(value: str) -> dt.datetime:
    try:
        at = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _Bad("paid_at", f"日時が不正です（例 2026-04-01T10:15:00+09:00）: {value!r} / "
                   f"invalid date-time (ISO 8601): {value!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=JST)


def _parse_settlement(rows: csv.reader, parsed: ParsedFile) -> None:
    n = len(SETTLEMENT_HEADER)
    total_seen = False
    for row in rows:
        line_no = rows.line_num
        if not row or not any(c.strip() for c in row):
            continue
        if total_seen:
            parsed.errors.append(LineError(line_no, "", "TOTAL 行の後に行があります / "
                                           "a line after the TOTAL line"))
            continue
        if len(row) != n:
            parsed.errors.append(LineError(line_no, "", f"列の数が {len(row)} です（{n} 列のはず）"
                                           f" / {len(row)} columns, expected {n}"))
            continue
        if row[0].strip().upper() == "TOTAL":
            total_seen = True
            _read_total(row, line_no, parsed)
            continue
        try:
            parsed.records.append(_settlement_record(row, line_no, parsed))
        except _Bad as bad:
            parsed.errors.append(LineError(line_no, bad.column, bad.message))
    _check_settlement_totals(parsed, total_seen)


def _settlement_record(row: list[str], line_no: int, parsed: ParsedFile) -> Record:
    settlement_id, transaction_id, reference, method, paid_at, amount, fee, net = (
        c.strip() for c in row)
    method = method.lower()
    if method not in SETTLEMENT_METHODS:
        raise _Bad("method", f"支払方法が不正です: {method!r}（{'/'.join(SETTLEMENT_METHODS)}）"
                   f" / unknown method {method!r}")
    if not transaction_id:
        raise _Bad("transaction_id", "取引IDがありません / transaction_id is empty")
    amount_yen = _need_int(amount, "amount_yen", signed=True)
    fee_yen = _need_int(fee, "fee_yen", signed=True)
    net_yen = _need_int(net, "net_yen", signed=True)
    if amount_yen == 0:
        raise _Bad("amount_yen", "金額が0円です / the amount is zero")
    if fee_yen != amount_yen - net_yen:
        parsed.errors.append(LineError(
            line_no, "fee_yen",
            f"手数料 {fee_yen} が 金額−入金額 ({amount_yen - net_yen}) と一致しません（取込済・要確認）"
            f" / fee {fee_yen} is not amount - net ({amount_yen - net_yen}); imported, please check",
            "warning"))
    return Record(line_no, normalize_reference(reference), method, _paid_at(paid_at), amount_yen,
                  fee_yen, net_yen, transaction_id=transaction_id[:100],
                  settlement_id=settlement_id[:100])


def _read_total(row: list[str], line_no: int, parsed: ParsedFile) -> None:
    for column, value in (("amount_yen", row[5]), ("fee_yen", row[6]), ("net_yen", row[7])):
        n = _int(value, signed=True)
        if n is None:
            parsed.errors.append(LineError(line_no, column, f"TOTAL 行の {column} が整数ではありません"
                                           f" / {column} of the TOTAL line is not an integer"))
        else:
            parsed.declared[column] = n


def _check_settlement_totals(parsed: ParsedFile, total_seen: bool) -> None:
    if not total_seen:
        parsed.checks.append("TOTAL 行がありません。入金額と照合できません"
                             " / the TOTAL line is missing: the deposit cannot be checked")
        return
    sums = {
        "amount_yen": sum(r.amount_yen for r in parsed.records),
        "fee_yen": sum(r.fee_yen for r in parsed.records),
        "net_yen": sum(r.net_yen for r in parsed.records),
    }
    labels = {"amount_yen": "金額", "fee_yen": "手数料", "net_yen": "入金額"}
    for column, total in sums.items():
        declared = parsed.declared.get(column)
        if declared is not None and declared != total:
            parsed.checks.append(
                f"{labels[column]}の合計 {total:,} 円が TOTAL 行の {declared:,} 円と一致しません"
                f" / the sum of {column} ({total}) differs from the TOTAL line ({declared})")


def _parse_bank(rows: csv.reader, parsed: ParsedFile) -> None:
    n = len(BANK_HEADER)
    trailer_seen = False
    fast = _FastBank()
    records = parsed.records
    for row in rows:
        # Fast path: a clean D line whose values were all seen (and validated) before.
        if not trailer_seen and len(row) == n and row[0] == "D":
            record = fast.record(row, rows.line_num)
            if record is not None:
                records.append(record)
                continue
        line_no = rows.line_num
        if not row or not any(c.strip() for c in row):
            continue
        kind = _w(row[0]).upper()
        if trailer_seen:
            parsed.errors.append(LineError(line_no, "", "T（トレーラ）行の後に行があります / "
                                           "a line after the trailer (T) line"))
            continue
        if len(row) != n:
            parsed.errors.append(LineError(line_no, "", f"列の数が {len(row)} です（{n} 列のはず）"
                                           f" / {len(row)} columns, expected {n}"))
            continue
        if kind == "T":
            trailer_seen = True
            for column, value in (("count", row[1]), ("amount_yen", row[4])):
                v = _int(value, signed=False)
                if v is None:
                    parsed.errors.append(LineError(line_no, "reference" if column == "count"
                                                   else column, f"トレーラの {column} が整数では"
                                                   f"ありません / trailer {column} is not an integer"))
                else:
                    parsed.declared[column] = v
            continue
        if kind != "D":
            parsed.errors.append(LineError(line_no, "record_type", f"レコード区分は D か T です:"
                                           f" {row[0]!r} / record_type must be D or T"))
            continue
        try:
            record = _bank_record(row, line_no)
        except _Bad as bad:
            parsed.errors.append(LineError(line_no, bad.column, bad.message))
        else:
            records.append(record)
            fast.learn(row, record)
    _normalize_payers(records)
    _check_bank_trailer(parsed, trailer_seen)


class _FastBank:
    """The bank-line fast path: a line is built without re-validating values already validated.

    A bank file holds 100,000 lines but only a handful of distinct dates,
    channel codes and bank codes. :func:`_bank_record` validates each value
    the first time it is seen (exactly as written, no spaces); later lines
    with the same raw values skip the regexes, the date arithmetic and the
    width folding. A line with anything unseen or unusual (spaces, full-width
    digits, a new date) takes the slow path, so the result is the same record
    either way (tests/test_parsers.py checks this property).
    """

    __slots__ = ("banks", "channels", "days")

    def __init__(self) -> None:
        self.days: dict[str, dt.datetime] = {}
        self.channels: dict[str, str] = {}
        self.banks: set[str] = set()

    def learn(self, row: list[str], record: Record) -> None:
        _kind, _ref, _payer, paid_on, _amount, channel, bank = row
        if paid_on == paid_on.strip() and paid_on.isascii():
            self.days[paid_on] = record.paid_at
        if channel == record.channel_code:
            self.channels[channel] = record.method
        if bank == record.bank_code:
            self.banks.add(bank)

    def record(self, row: list[str], line_no: int) -> Record | None:
        _kind, reference, payer, paid_on, amount, channel, bank = row
        paid_at = self.days.get(paid_on)
        method = self.channels.get(channel)
        if (paid_at is None or method is None or bank not in self.banks
                or not (amount.isascii() and amount.isdigit()) or amount[0] == "0"
                or payer != payer.strip()):
            return None
        amount_yen = int(amount)
        return Record(line_no, normalize_reference(reference), method, paid_at, amount_yen, 0,
                      amount_yen, payer_name=payer, channel_code=channel, bank_code=bank)


def _normalize_payers(records: list[Record]) -> None:
    """Half-width kana names → full width, in one call over the distinct names (per call costs add up).

    As before the fast path: a file of ASCII names only is left as read.
    """
    raw = {r.payer_name for r in records}
    todo = sorted(name for name in raw if not name.isascii())
    if not todo:
        return
    folded_of = {name: " ".join(name.split())[:200] for name in raw if name.isascii()}
    folded = normalize_width("\x00".join(n.replace("\x00", "") for n in todo)).split("\x00")
    if len(folded) != len(todo):  # cannot happen; be safe and fold one by one
        folded = [normalize_width(n) for n in todo]
    folded_of.update((name, f.strip()[:200]) for name, f in zip(todo, folded, strict=True))
    for record in records:
        record.payer_name = folded_of[record.payer_name]


def _bank_record(row: list[str], line_no: int) -> Record:
    _kind, reference, payer, paid_on, amount, channel, bank = (c.strip() for c in row)
    day = _w(paid_on)
    try:
        if not re.fullmatch(r"\d{8}", day):
            raise ValueError
        on = dt.date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        raise _Bad("paid_on", f"納付日は YYYYMMDD です: {paid_on!r} / paid_on must be YYYYMMDD"
                   ) from None
    amount_yen = _need_int(amount, "amount_yen")
    if amount_yen <= 0:
        raise _Bad("amount_yen", "金額は1円以上です / the amount must be positive")
    channel = _w(channel)
    if channel not in BANK_CHANNELS:
        raise _Bad("channel_code", f"納付経路コードが不正です: {channel!r}（{'/'.join(BANK_CHANNELS)}）"
                   f" / unknown channel_code {channel!r}")
    bank_code = _w(bank)
    if bank_code and not re.fullmatch(r"\d{4}", bank_code):
        raise _Bad("bank_code", f"金融機関コードは4桁の数字です: {bank!r} / bank_code has 4 digits")
    paid_at = dt.datetime.combine(on, dt.time(0, 0), tzinfo=JST)
    return Record(line_no, normalize_reference(reference), BANK_CHANNELS[channel][0], paid_at,
                  amount_yen, 0, amount_yen, payer_name=payer,
                  channel_code=channel, bank_code=bank_code)


def _check_bank_trailer(parsed: ParsedFile, trailer_seen: bool) -> None:
    if not trailer_seen:
        parsed.checks.append("T（トレーラ）行がありません。件数と合計を照合できません"
                             " / the trailer (T) line is missing: count and total not checked")
        return
    count, total = len(parsed.records), sum(r.amount_yen for r in parsed.records)
    if "count" in parsed.declared and parsed.declared["count"] != count:
        parsed.checks.append(f"取り込めた件数 {count:,} がトレーラの {parsed.declared['count']:,} 件と"
                             f"一致しません / {count} records read, the trailer says "
                             f"{parsed.declared['count']}")
    if "amount_yen" in parsed.declared and parsed.declared["amount_yen"] != total:
        parsed.checks.append(f"金額の合計 {total:,} 円がトレーラの {parsed.declared['amount_yen']:,} 円と"
                             f"一致しません / total {total} differs from the trailer "
                             f"{parsed.declared['amount_yen']}")
