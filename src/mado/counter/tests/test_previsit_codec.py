"""The pre-visit code: round trip, any order of parts, and refusal of anything altered."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mado.counter import previsit as codec

SECRET = "test-secret-for-the-codec"
NOW = 1_770_000_000
CITY = "129992"

values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)
payloads = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=8)


def _decode(parts: list[str], **kw: object) -> dict:
    options = {"municipality_code": CITY, "now": NOW + 60, "secret": SECRET, **kw}
    return codec.decode(parts, **options)  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payloads, st.integers(min_value=100, max_value=400), st.randoms())
def test_round_trip_in_any_order(payload: dict, chunk: int, rnd: random.Random) -> None:
    parts = codec.encode(payload, municipality_code=CITY, now=NOW, secret=SECRET, chunk=chunk)
    rnd.shuffle(parts)
    assert _decode(parts) == payload


@settings(max_examples=100, deadline=None)
@given(payloads, st.data())
def test_any_single_character_change_is_refused(payload: dict, data: st.DataObject) -> None:
    parts = codec.encode(payload, municipality_code=CITY, now=NOW, secret=SECRET, chunk=100)
    i = data.draw(st.integers(0, len(parts) - 1))
    head, _, body = parts[i].rpartition(":")
    j = data.draw(st.integers(0, len(body) - 1))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    new = data.draw(st.sampled_from([c for c in alphabet if c != body[j]]))
    parts[i] = f"{head}:{body[:j]}{new}{body[j + 1:]}"
    with pytest.raises(codec.PrevisitError) as caught:
        _decode(parts)
    assert caught.value.code in ("tampered", "format")


def test_long_payload_is_split_and_each_part_is_needed() -> None:
    text = "".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(300))  # incompressible
    payload = {"a": {"new_address": "千葉県サンプル市" + text}}
    parts = codec.encode(payload, municipality_code=CITY, now=NOW, secret=SECRET, chunk=100)
    assert len(parts) > 2 and all(p.startswith(f"MADO1:{n}/{len(parts)}:") for n, p in
                                   enumerate(parts, start=1))
    with pytest.raises(codec.PrevisitError) as caught:
        _decode(parts[1:])
    assert caught.value.code == "incomplete" and "1" in str(caught.value)
    assert codec.missing_parts(parts[1:]) == [1]


def test_expired_other_city_other_key_and_mixed_codes_are_refused() -> None:
    parts = codec.encode({"e": "moving_within"}, municipality_code=CITY, now=NOW, secret=SECRET)
    with pytest.raises(codec.PrevisitError, match="有効期限"):
        _decode(parts, now=NOW + codec.LIFETIME_S + 1)
    assert _decode(parts, now=NOW + codec.LIFETIME_S - 1) == {"e": "moving_within"}
    with pytest.raises(codec.PrevisitError, match="他の市区町村"):
        _decode(parts, municipality_code="129984")
    with pytest.raises(codec.PrevisitError, match="改変"):
        _decode(parts, secret="another deployment")
    a = codec.encode({"x": "1" * 500}, municipality_code=CITY, now=NOW, secret=SECRET, chunk=40)
    b = codec.encode({"x": "2" * 500}, municipality_code=CITY, now=NOW, secret=SECRET, chunk=40)
    with pytest.raises(codec.PrevisitError) as caught:
        _decode([a[0], b[0]])
    assert caught.value.code == "mixed"
    for junk in (["hello"], ["MADO1:2/1:abc"], [], ["MADO1:1/1:!!"]):
        with pytest.raises(codec.PrevisitError):
            _decode(junk)
