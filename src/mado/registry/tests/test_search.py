"""Registry search semantics: prefixes, all parts must match, status, order, no duplicates."""

import datetime as dt

import pytest

from mado.conftest import make_resident
from mado.registry import services
from mado.registry.search import QueryError, parse_query, search


def _names(results) -> list[str]:
    return [r.full_name for r in results]


def test_prefix_and_all_parts(world) -> None:
    city = world["city"]
    assert _names(search(city, "たか")) == ["髙橋　太郎", "髙橋　花子"]
    assert _names(search(city, "髙橋太")) == ["髙橋　太郎"]
    assert _names(search(city, "たかはし じろう")) == []
    assert _names(search(city, "はなこ")) == ["髙橋　花子"]


def test_results_are_ordered_by_reading_without_duplicates(world) -> None:
    city = world["city"]
    make_resident(city, "阿部", "高子", "アベ", "タカコ")
    results = search(city, "たか")
    assert _names(results) == ["阿部　高子", "髙橋　太郎", "髙橋　花子"]
    assert len({r.pk for r in results}) == len(results)


def test_moved_out_residents_hidden_unless_asked(world) -> None:
    r = world["yamazaki"]
    r.status = "moved_out"
    r.status_date = dt.date(2026, 4, 1)
    r.save()
    services.reindex(r)
    assert search(world["city"], "やまざき") == []
    assert _names(search(world["city"], "やまざき", include_inactive=True)) == ["山﨑　次郎"]


def test_name_and_birth_date_together(world) -> None:
    city = world["city"]
    assert _names(search(city, "たかはし", "昭和57年7月7日")) == ["髙橋　花子"]
    assert _names(search(city, "たかはし 1982/7/7")) == ["髙橋　花子"]
    assert search(city, "やまざき", "1982-07-07") == []


def test_former_surname_is_searchable(world) -> None:
    make_resident(
        world["city"],
        "鈴木",
        "良子",
        "スズキ",
        "ヨシコ",
        former_surname="齋藤",
        former_surname_kana="サイトウ",
    )
    assert _names(search(world["city"], "斉藤")) == ["鈴木　良子"]
    assert _names(search(world["city"], "さいとう よしこ")) == ["鈴木　良子"]


def test_empty_query_finds_nothing_and_bad_date_is_an_error(world) -> None:
    assert search(world["city"], "") == []
    assert search(world["city"], "   ") == []
    with pytest.raises(QueryError):
        parse_query("", "令和0年1月1日")


@pytest.mark.parametrize("q", ["%", "_", "\\", "髙%", "'; DROP TABLE x; --"])
def test_like_metacharacters_are_literal(world, q) -> None:
    assert search(world["city"], q) == []


def test_current_name_matches_listed_before_former_surname_matches(world) -> None:
    city = world["city"]
    make_resident(
        city,
        "阿部",
        "良子",
        "アベ",
        "ヨシコ",
        former_surname="髙橋",
        former_surname_kana="タカハシ",
    )
    # 阿部 sorts before 髙橋 in 五十音 order, but she is found only by her 旧氏.
    assert _names(search(city, "たかはし")) == ["髙橋　太郎", "髙橋　花子", "阿部　良子"]
    assert _names(search(city, "たかはし", limit=2)) == ["髙橋　太郎", "髙橋　花子"]
