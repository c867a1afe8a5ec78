"""The facts the navigator may ask, and the life events it knows.

Facts are the vocabulary of applicability rules (``mado.procedures.rules``):
a rule may only name a fact listed here, with the type given here. Labels are
questions addressed to the resident; the navigator asks a fact only when some
rule of the chosen life event still depends on it. CONTRACT.md fixes the keys
of the first fourteen; the rest are Mado's own (docs/navigator.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from mado.procedures.rules import FactSpec

FactType = Literal["bool", "int", "int_list", "choice", "str"]

LIFE_EVENTS: dict[str, Promise] = {
    "pregnancy": _("妊娠"),
    "birth": _("出生"),
    "moving_in": _("転入（市外から引越してくる）"),
    "moving_out": _("転出（市外へ引越す）"),
    "moving_within": _("転居（市内で引越す）"),
    "marriage": _("結婚"),
    "divorce": _("離婚"),
    "death": pgettext_lazy("life event", "死亡"),
    "care": _("介護"),
    "employment_change": _("就職・退職"),
    "school_entry": _("入学"),
    "disability": _("障害"),
}

# Short forms used in default reasons: 「転入されるため」.
LIFE_EVENT_REASONS: dict[str, Promise] = {
    "pregnancy": _("妊娠されたため"),
    "birth": _("お子さんが生まれたため"),
    "moving_in": _("市外から転入されるため"),
    "moving_out": _("市外へ転出されるため"),
    "moving_within": _("市内で転居されるため"),
    "marriage": _("結婚されるため"),
    "divorce": _("離婚されるため"),
    "death": _("ご家族が亡くなられたため"),
    "care": _("介護が必要になったため"),
    "employment_change": _("就職・退職されたため"),
    "school_entry": _("お子さんが入学されるため"),
    "disability": _("障害のある方の手続のため"),
}


@dataclass(frozen=True)
class Fact:
    key: str
    type: FactType
    label: Promise
    help: Promise | str = ""
    choices: tuple[tuple[str, Promise], ...] = ()
    minimum: int = 0
    maximum: int = 99

    @property
    def spec(self) -> FactSpec:
        return FactSpec(key=self.key, type=self.type, choices=tuple(c for c, _ in self.choices))


FACTS: tuple[Fact, ...] = (
    Fact("household_size", "int", _("世帯の人数（あなたを含めて）"), minimum=1, maximum=30),
    Fact(
        "children_ages",
        "int_list",
        _("世帯のお子さん（高校生まで）の年齢"),
        _("例: 3, 7。お子さんがいなければ空欄のまま"),
        maximum=25,
    ),
    Fact("pregnant", "bool", _("妊娠中の方がいますか")),
    Fact("members_65_plus", "int", _("65歳以上の方は何人いますか"), maximum=30),
    Fact("members_75_plus", "int", _("75歳以上の方は何人いますか"), maximum=30),
    Fact(
        "national_health_insurance",
        "bool",
        _("国民健康保険に加入している（または加入する）方がいますか"),
        _("勤務先の健康保険に入っていない方は国民健康保険です"),
    ),
    Fact("employee_insurance", "bool", _("勤務先の健康保険（社会保険）に加入している方がいますか")),
    Fact(
        "national_pension_type1",
        "bool",
        _("国民年金の第1号被保険者（20〜59歳の自営業・学生・無職など）の方がいますか"),
    ),
    Fact("disability_certificate", "bool", _("障害者手帳をお持ちの方がいますか")),
    Fact("long_term_care_certified", "bool", _("要介護・要支援の認定を受けている方がいますか")),
    Fact("dog_owner", "bool", _("犬を飼っていますか")),
    Fact("has_my_number_card", "bool", _("マイナンバーカードをお持ちですか")),
    Fact("foreign_resident", "bool", _("外国籍の方がいますか")),
    Fact("same_prefecture", "bool", _("同じ都道府県の中での引越しですか")),
    Fact("seal_registered", "bool", _("印鑑登録をしていますか")),
    Fact("child_allowance_recipient", "bool", _("児童手当を受けていますか")),
    Fact("single_parent", "bool", _("ひとり親の家庭ですか")),
    Fact("disaster_damage", "bool", _("災害で住まいに被害がありましたか")),
    Fact("deceased_age", "int", _("亡くなった方の年齢"), maximum=130),
    Fact("deceased_household_head", "bool", _("亡くなった方は世帯主でしたか")),
    Fact(
        "deceased_national_health_insurance",
        "bool",
        _("亡くなった方は国民健康保険に加入していましたか"),
    ),
    Fact(
        "deceased_late_elderly_insurance",
        "bool",
        _("亡くなった方は後期高齢者医療制度に加入していましたか"),
        _("75歳以上の方（一定の障害のある65歳以上の方を含む）が加入しています"),
    ),
    Fact(
        "deceased_long_term_care_insurance",
        "bool",
        _("亡くなった方は介護保険の被保険者証をお持ちでしたか"),
        _("65歳以上の方はお持ちです"),
    ),
    Fact(
        "deceased_employee_insurance",
        "bool",
        _("亡くなった方は勤務先の健康保険に加入していましたか"),
    ),
    Fact("deceased_pension", "bool", _("亡くなった方は年金を受け取っていましたか")),
    Fact("deceased_seal_registered", "bool", _("亡くなった方は印鑑登録をしていましたか")),
    Fact("deceased_disability_certificate", "bool", _("亡くなった方は障害者手帳をお持ちでしたか")),
    Fact(
        "deceased_child_allowance_recipient", "bool", _("亡くなった方は児童手当を受けていましたか")
    ),
    Fact("deceased_dog_owner", "bool", _("亡くなった方は犬を飼っていましたか")),
    Fact(
        "deceased_has_my_number_card", "bool", _("亡くなった方はマイナンバーカードをお持ちでしたか")
    ),
)

FACTS_BY_KEY: dict[str, Fact] = {f.key: f for f in FACTS}
FACT_ORDER: dict[str, int] = {f.key: i for i, f in enumerate(FACTS)}


def rule_specs() -> dict[str, FactSpec]:
    """Name → type of everything a rule may mention (facts and ``life_event``)."""
    specs = {f.key: f.spec for f in FACTS}
    specs["life_event"] = FactSpec(key="life_event", type="str", choices=tuple(LIFE_EVENTS))
    return specs


class FactError(ValueError):
    """A fact value of the wrong type or range; ``field`` names it (``facts.children_ages[1]``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def clean_facts(raw: object) -> tuple[dict[str, object], list[str]]:
    """Validate facts from JSON: (clean facts, ignored unknown keys); raises FactError.

    Strict types: a bool must be true/false (not 1 or "yes"), an int an integer
    within the fact's range, a list a list of such integers. ``null`` means
    "not answered" and is dropped.
    """
    if not isinstance(raw, dict):
        raise FactError(
            "facts", "facts はオブジェクト（{...}）で指定してください / facts must be an object"
        )
    clean: dict[str, object] = {}
    ignored: list[str] = []
    for key, value in raw.items():
        fact = FACTS_BY_KEY.get(key) if isinstance(key, str) else None
        if fact is None:
            ignored.append(str(key)[:60])
            continue
        if value is None:
            continue
        field = f"facts.{key}"
        if fact.type == "bool":
            if not isinstance(value, bool):
                raise FactError(field, f"{key} は true か false です / {key} must be a boolean")
            clean[key] = value
        elif fact.type == "int":
            clean[key] = _int(field, key, value, fact)
        elif fact.type == "int_list":
            if not isinstance(value, list) or len(value) > 30:
                raise FactError(field, f"{key} は数のリストです / {key} must be a list of integers")
            clean[key] = [_int(f"{field}[{i}]", key, v, fact) for i, v in enumerate(value)]
        else:
            allowed = {c for c, _ in fact.choices}
            if not isinstance(value, str) or (allowed and value not in allowed):
                raise FactError(field, f"{key} の値が正しくありません / invalid value for {key}")
            clean[key] = value
    return clean, ignored


def _int(field: str, key: str, value: object, fact: Fact) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FactError(field, f"{key} は整数です / {key} must be an integer")
    if not fact.minimum <= value <= fact.maximum:
        raise FactError(
            field,
            f"{key} は{fact.minimum}〜{fact.maximum}の範囲です / "
            f"{key} must be between {fact.minimum} and {fact.maximum}",
        )
    return value
