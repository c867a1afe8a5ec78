"""Parsing both layouts: good files, broken lines, encodings, half-width kana, totals checks."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.payments.reconcile import parsers
from mado.payments.reconcile.parsers import FileFormatError, ParsedFile, parse_file
from mado.payments.reconcile.tests.factories import bank_csv, settlement_csv

REF = "1234567890128"


def test_a_settlement_file_is_read_with_its_total() -> None:
    data = settlement_csv([("tx1", REF, "card", 300), ("tx2", "9999999999990", "qr", 1000)])
    parsed = parse_file(data)
    assert parsed.kind == "settlement" and not parsed.errors and not parsed.checks
    first = parsed.records[0]
    assert (first.reference, first.method, first.amount_yen, first.fee_yen, first.net_yen) == (
        REF, "card", 300, 9, 291)
    assert first.paid_at.utcoffset().total_seconds() == 9 * 3600
    assert parsed.declared == {"amount_yen": 1300, "fee_yen": 34, "net_yen": 1266}


def test_a_broken_line_is_reported_and_the_rest_imported() -> None:
    good = settlement_csv([("tx1", REF, "card", 300), ("tx2", REF, "card", 500)]).decode()
    lines = good.splitlines()
    lines.insert(2, "S1,tx9,123,bitcoin,2026-04-01T10:00:00+09:00,300,9,291")
    lines.insert(3, "S1,tx8,123,card,yesterday,300,9,291")
    lines.insert(4, "S1,tx7,123,card")
    parsed = parse_file(("\n".join(lines) + "\n").encode())
    assert [r.transaction_id for r in parsed.records] == ["tx1", "tx2"]
    assert [(e.line_no, e.column) for e in parsed.errors] == [(3, "method"), (4, "paid_at"), (5, "")]
    assert all(" / " in e.message for e in parsed.errors)  # 日本語 / English


def test_the_total_line_and_fee_are_checked() -> None:
    data = settlement_csv([("tx1", REF, "card", 300)], total=False).decode()
    data += "TOTAL,,,,,300,9,290\n"
    data = data.replace(",300,9,291", ",300,10,291")
    parsed = parse_file(data.encode())
    assert parsed.records and parsed.errors[0].severity == "warning"
    assert parsed.errors[0].column == "fee_yen"
    assert any("TOTAL" in c for c in parsed.checks)
    assert "TOTAL" in parse_file(settlement_csv([("t", REF, "qr", 100)], total=False)).checks[0]


@pytest.mark.parametrize("encoding,bom", [("cp932", False), ("utf-8", True), ("utf-8", False)])
def test_a_bank_file_in_shift_jis_or_utf8(encoding: str, bom: bool) -> None:
    parsed = parse_file(bank_csv([(REF, 300), ("1234-5678-9012-8", 500)], encoding=encoding,
                                 bom=bom))
    assert parsed.kind == "bank" and not parsed.errors and not parsed.checks
    assert parsed.encoding == ("utf-8-sig" if bom else encoding)
    assert parsed.records[0].payer_name == "ヤマダ タロウ"  # half-width kana normalised
    assert parsed.records[1].reference == REF  # dashes as printed on a slip are folded
    assert parsed.records[0].method == "slip" and parsed.records[0].paid_at.day == 1


def test_bank_trailer_count_and_total_are_checked() -> None:
    text = bank_csv([(REF, 300)], encoding="utf-8").decode().replace("T,1,,,300", "T,2,,,900")
    checks = parse_file(text.encode()).checks
    assert len(checks) == 2 and "トレーラ" in checks[0]


def test_bank_broken_lines() -> None:
    text = bank_csv([(REF, 300)], encoding="utf-8").decode().splitlines()
    text[1:1] = ["D,1,x,2026041,300,01,0001", "D,1,x,20260401,-5,01,0001",
                 "D,1,x,20260401,300,99,0001", "X,1,x,20260401,300,01,0001"]
    parsed = parse_file(("\n".join(text) + "\n").encode())
    assert [e.column for e in parsed.errors] == ["paid_on", "amount_yen", "channel_code",
                                                 "record_type"]
    assert len(parsed.records) == 1


@pytest.mark.parametrize("data,needle", [
    (b"", "空"),
    (b"a,b,c\n1,2,3\n", "見出し"),
    (b"\xff\xfe\xfa\xfb\x80\x81" * 3, "文字コード"),
])
def test_unreadable_files_are_refused_whole(data: bytes, needle: str) -> None:
    with pytest.raises(FileFormatError, match=needle):
        parse_file(data)


# The bank fast path (parsers._FastBank) must give exactly the record the slow path gives.
_FIELD = st.sampled_from(["", " ", "　", "0", "00", "1", "300", "０３００", "-5", "x", "\\", "\t"])
_ROWS = st.lists(st.tuples(
    st.sampled_from(["D", "D", "D", "d", " D", "T", "X"]),
    st.sampled_from(["1234567890128", " 1234567890128", "1234-5678-9012-8", "１２３", ""]),
    st.sampled_from(["ﾔﾏﾀﾞ ﾀﾛｳ", " ﾔﾏﾀﾞ", "YAMADA  TARO", "山田", "", "ｶﾞ\\"]),
    st.sampled_from(["20260401", "20260402", " 20260401", "２０２６０４０１", "20261301", ""]),
    st.one_of(_FIELD, st.sampled_from(["300", "1500", "750"])),
    st.sampled_from(["01", "02", "03", "04", "05", " 01", "０１", "99", ""]),
    st.sampled_from(["0001", "0005", "", " 0001", "１２３４", "12"]),
), min_size=1, max_size=30)


@settings(max_examples=200, deadline=None)
@given(rows=_ROWS)
def test_the_bank_fast_path_reads_what_the_slow_path_reads(rows: list[tuple[str, ...]]) -> None:
    text = BANK_HEADER_LINE + "".join(
        ",".join(f'"{v}"' if ("," in v or '"' in v) else v for v in row) + "\n" for row in rows)
    parsed = parse_file(text.encode())
    slow = ParsedFile("bank", "utf-8")
    parsers._parse_bank(_SlowRows(text), slow)  # every line through _bank_record
    assert [vars(r) for r in parsed.records] == [vars(r) for r in slow.records]
    assert parsed.errors == slow.errors and parsed.checks == slow.checks


BANK_HEADER_LINE = ",".join(parsers.BANK_HEADER) + "\n"


class _SlowRows:
    """A csv reader whose rows never take the fast path (record_type is given as 'D ')."""

    def __init__(self, text: str) -> None:
        import csv
        import io

        self._rows = csv.reader(io.StringIO(text, newline=""))
        next(self._rows)
        self.line_num = 1

    def __iter__(self) -> _SlowRows:
        return self

    def __next__(self) -> list[str]:
        row = next(self._rows)
        self.line_num = self._rows.line_num
        if row and row[0] == "D":
            row[0] = "D "  # same meaning for the slow path (_w strips), refused by the fast one
        return row
