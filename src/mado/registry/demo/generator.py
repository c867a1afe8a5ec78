"""Synthetic residents for the demo city: households that look like a real 住民票.

Why a generator of our own: the demo, the tests and the benchmarks need a
registry that behaves like a real one (an ageing population, 三世代 households,
foreign residents with 在留資格, 異体字 in names, real postal codes) without a
single real person in it. Everything is drawn from one ``random.Random(seed)``
so the same seed always gives the same city, and nothing here touches the
database: :mod:`mado.registry.demo.loader` writes what this module returns.

Ages follow the 2020 census pyramid (≈12% under 15, ≈29% 65+, ≈15% 75+). To
hit it while building households (whose members' ages constrain each other)
every age is drawn in its allowed range weighted by the *remaining* quota of
that age, so the population converges on the pyramid whatever mix of
households comes out. Eligibility flags and tax summaries are derived from age,
household and occupation in :mod:`mado.registry.demo.people`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from mado.registry.demo import names as N
from mado.registry.demo.people import (
    DemoHousehold,
    DemoResident,
    DemoTax,
    Town,
    assign_economy,
    city_towns,
)

__all__ = ["DemoCity", "DemoHousehold", "DemoResident", "DemoTax", "Town", "generate"]

# 2020 census, share of the population (%) per five-year age band from 0-4 to 100+.
_PYRAMID = (3.9, 4.2, 4.3, 4.5, 4.9, 4.9, 5.1, 5.8, 6.5, 7.6, 7.0, 6.3, 5.9, 6.6, 7.3, 5.5,
            4.5, 3.3, 1.6, 0.5, 0.07)
MAX_AGE = 104

# Household types (Japanese households) and their weights; foreign households
# are added separately to keep foreign residents near FOREIGN_SHARE.
_TYPES = (("single", 34), ("couple", 21), ("nuclear", 25), ("single_parent", 8),
          ("three_gen", 9), ("parent_and_adult_child", 3))
_WITH_CHILDREN = frozenset({"nuclear", "single_parent", "three_gen"})
FOREIGN_SHARE = 0.03


@dataclass
class DemoCity:
    prefecture: str
    city: str
    households: list[DemoHousehold] = field(default_factory=list)
    today: dt.date = field(default_factory=dt.date.today)

    @property
    def residents(self) -> list[DemoResident]:
        return [r for h in self.households for r in h.members]


class _Quota:
    """Remaining number of people wanted at each age (can go negative)."""

    def __init__(self, total: int) -> None:
        per_year: list[float] = []
        for share in _PYRAMID[:-1]:
            per_year += [share / 5] * 5
        per_year += [_PYRAMID[-1] / (MAX_AGE - 99)] * (MAX_AGE - 99)
        scale = total / sum(per_year)
        self.left = [p * scale for p in per_year]
        self.child_share = sum(per_year[:18]) / sum(per_year)

    def draw(self, rng: random.Random, lo: int, hi: int) -> int:
        lo, hi = max(0, lo), min(MAX_AGE, hi)
        if hi < lo:
            lo = hi = min(lo, MAX_AGE)
        weights = [w if w > 0.02 else 0.02 for w in self.left[lo:hi + 1]]
        age = rng.choices(range(lo, hi + 1), weights=weights)[0]
        self.left[age] -= 1
        return age

    def child_pressure(self) -> float:
        """How much of the under-18 quota is left, relative to its share at the start."""
        positive = [w if w > 0 else 0.0 for w in self.left]
        total = sum(positive)
        if total <= 0:
            return 1.0
        return (sum(positive[:18]) / total) / self.child_share

    def take(self, age: int) -> int:
        age = max(0, min(MAX_AGE, age))
        self.left[age] -= 1
        return age


class _Builder:
    def __init__(self, rng: random.Random, quota: _Quota, towns: list[Town],
                 city: DemoCity) -> None:
        self.rng, self.quota, self.towns, self.city = rng, quota, towns, city
        self.surnames = [s for s, _, _ in N.SURNAMES]
        self.surname_weights = list(itertools.accumulate(w for _, _, w in N.SURNAMES))
        self.readings = {s: r for s, r, _ in N.SURNAMES}
        self.foreign = list(N.FOREIGN_NAMES)
        self.foreign_weights = [N.FOREIGN_NAMES[c][0] for c in self.foreign]
        self.people = 0
        self.foreigners = 0

    # -- names ---------------------------------------------------------------
    def surname(self) -> tuple[str, str]:
        base = self.rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
        reading = self.readings[base]
        u = self.rng.random()
        for variant, share, alt_reading in N.VARIANTS.get(base, ()):
            if u < share:
                return variant, alt_reading or reading
            u -= share
        return base, reading

    def given(self, sex: str, birth_year: int) -> tuple[str, str]:
        band = N.GIVEN_NAMES[0]
        for candidate in N.GIVEN_NAMES:
            if birth_year >= candidate[0]:
                band = candidate
        return self.rng.choice(band[1] if sex == "M" else band[2])

    def birth_date(self, age: int) -> dt.date:
        today = self.city.today
        last_birthday = today.replace(year=today.year - age) if not (
            today.month == 2 and today.day == 29) else dt.date(today.year - age, 2, 28)
        return last_birthday - dt.timedelta(days=self.rng.randrange(365))

    # -- people --------------------------------------------------------------
    def person(self, hh: DemoHousehold, rel: str, age: int, sex: str, family: tuple[str, str],
               *, foreign: str = "") -> DemoResident:
        birth = self.birth_date(age)
        if foreign:
            _, _, males, females = N.FOREIGN_NAMES[foreign]
            given, given_kana = self.rng.choice(males if sex == "M" else females)
        else:
            given, given_kana = self.given(sex, birth.year)
        r = DemoResident(relationship=rel, family_name=family[0], family_name_kana=family[1],
                         given_name=given, given_name_kana=given_kana, birth_date=birth, sex=sex,
                         age=age, nationality=foreign)
        hh.members.append(r)
        self.people += 1
        if foreign:
            self.foreigners += 1
        return r

    def marry(self, wife: DemoResident) -> None:
        """Record the 旧氏 of a few married people (旧氏の併記 is on request, so rare)."""
        if self.rng.random() < 0.05:
            wife.former_surname, wife.former_surname_kana = self.surname()
            if wife.former_surname == wife.family_name:
                wife.former_surname = wife.former_surname_kana = ""

    def children(self, hh: DemoHousehold, family: tuple[str, str], parent_age: int, count: int,
                 rel: str = "子", *, foreign: str = "", max_age: int = 40) -> list[DemoResident]:
        """``count`` children of parents whose younger one is ``parent_age``."""
        out = []
        for _ in range(count):
            age = self.quota.draw(self.rng, max(0, parent_age - 44), min(max_age, parent_age - 18))
            sex = self.rng.choice("MF")
            out.append(self.person(hh, rel, age, sex, family, foreign=foreign))
        return out

    def new_household(self) -> DemoHousehold:
        hh = DemoHousehold(number=f"{len(self.city.households) + 1:08d}",
                           town=self.rng.choice(self.towns))
        self.city.households.append(hh)
        return hh

    # -- household types -----------------------------------------------------
    def japanese(self, kind: str, family: tuple[str, str] | None = None) -> None:
        rng, q = self.rng, self.quota
        hh = self.new_household()
        family = family or self.surname()
        if kind == "single":
            age = q.draw(rng, 18, MAX_AGE)
            self.person(hh, "世帯主", age, rng.choice("MF"), family)
            if rng.random() < 0.02:
                self.person(hh, "同居人", q.draw(rng, 20, 70), rng.choice("MF"), self.surname())
        elif kind in ("couple", "nuclear"):
            lo, hi = (22, MAX_AGE - 3) if kind == "couple" else (24, 62)
            husband_age = q.draw(rng, lo, hi)
            wife_age = q.draw(rng, husband_age - 7, husband_age + 3)
            if rng.random() < 0.9:
                husband = self.person(hh, "世帯主", husband_age, "M", family)
                wife = self.person(hh, "妻", wife_age, "F", family)
            else:
                wife = self.person(hh, "世帯主", wife_age, "F", family)
                husband = self.person(hh, "夫", husband_age, "M", family)
            self.marry(wife)
            hh.hittousha = f"{family[0]}　{husband.given_name}"
            if kind == "nuclear":
                count = rng.choices((1, 2, 3, 4), weights=(38, 45, 15, 2))[0]
                younger = min(husband_age, wife_age)
                self.children(hh, family, younger, count, max_age=min(40, younger - 18))
        elif kind == "single_parent":
            sex = "F" if rng.random() < 0.87 else "M"
            age = q.draw(rng, 22, 60)
            self.person(hh, "世帯主", age, sex, family)
            count = rng.choices((1, 2, 3), weights=(55, 37, 8))[0]
            self.children(hh, family, age, count, max_age=min(25, age - 18))
        elif kind == "parent_and_adult_child":
            age = q.draw(rng, 65, MAX_AGE)
            self.person(hh, "世帯主", age, rng.choice("MF"), family)
            self.children(hh, family, age, 1, max_age=age - 20)
        else:
            self.three_generations(hh, family)

    def three_generations(self, hh: DemoHousehold, family: tuple[str, str]) -> None:
        rng, q = self.rng, self.quota
        son_age = q.draw(rng, 27, 58)
        grandfather_age = q.draw(rng, son_age + 22, son_age + 38)
        grandmother_age = q.draw(rng, grandfather_age - 6, grandfather_age + 1)
        grandparents_head = rng.random() < 0.45
        widowed = rng.random() < 0.35
        son_rel, wife_rel, grandchild_rel = ("子", "子の妻", "孫") if grandparents_head else (
            "世帯主", "妻", "子")
        gf_rel, gm_rel = ("世帯主", "妻") if grandparents_head else ("父", "母")
        if grandparents_head and widowed:
            gm_rel = "世帯主"
        if not widowed:
            gf = self.person(hh, gf_rel, grandfather_age, "M", family)
            hh.hittousha = f"{family[0]}　{gf.given_name}"
        self.person(hh, gm_rel, grandmother_age, "F", family)
        son = self.person(hh, son_rel, son_age, "M", family)
        wife_age = q.draw(rng, son_age - 6, son_age + 2)
        wife = self.person(hh, wife_rel, wife_age, "F", family)
        self.marry(wife)
        son.own_koseki = True
        wife.own_koseki = True
        count = rng.choices((0, 1, 2, 3), weights=(10, 35, 45, 10))[0]
        younger = min(son_age, wife_age)
        for child in self.children(hh, family, younger, count, grandchild_rel,
                                   max_age=min(30, younger - 18)):
            child.own_koseki = True
        hh.members.sort(key=lambda r: r.relationship != "世帯主")

    def foreign_household(self) -> None:
        rng, q = self.rng, self.quota
        u = rng.random()
        if u < 0.5:  # a worker or student on their own, mostly in an apartment
            status = rng.choices(N.WORKER_STATUSES, weights=[s[1] for s in N.WORKER_STATUSES])[0]
            label, _, nationalities, (lo, hi) = status
            nat = rng.choice(nationalities)
            hh = self.new_household()
            hh.apartment = True
            fam = rng.choice(N.FOREIGN_NAMES[nat][1])
            r = self.person(hh, "世帯主", q.draw(rng, lo, hi), rng.choice("MF"), fam, foreign=nat)
            r.residence_status = label
        elif u < 0.75:  # a foreign family
            nat = rng.choices(self.foreign, weights=self.foreign_weights)[0]
            hh = self.new_household()
            fam = rng.choice(N.FOREIGN_NAMES[nat][1])
            elderly_korean = nat == "韓国" and rng.random() < 0.5
            head_age = q.draw(rng, 60, 95) if elderly_korean else q.draw(rng, 26, 55)
            head_status = "特別永住者" if elderly_korean else rng.choice(
                ("永住者", "永住者", "定住者", "技術・人文知識・国際業務"))
            if nat != "ブラジル" and head_status == "定住者":
                head_status = "永住者"
            family_status = {"技術・人文知識・国際業務": "家族滞在",
                             "永住者": "永住者の配偶者等"}.get(head_status, head_status)
            head = self.person(hh, "世帯主", head_age, "M", fam, foreign=nat)
            head.residence_status = head_status
            wife = self.person(hh, "妻", q.draw(rng, head_age - 6, head_age + 2), "F", fam,
                               foreign=nat)
            wife.residence_status = family_status
            if not elderly_korean:
                for child in self.children(hh, fam, min(head_age, wife.age),
                                           rng.choice((0, 1, 2)), foreign=nat, max_age=17):
                    child.residence_status = family_status
        else:  # a Japanese national married to a foreign spouse; children are Japanese
            hh = self.new_household()
            family = self.surname()
            nat = rng.choice(("フィリピン", "中国", "韓国", "ベトナム", "ブラジル"))
            age = q.draw(rng, 28, 65)
            head = self.person(hh, "世帯主", age, "M", family)
            hh.hittousha = f"{family[0]}　{head.given_name}"
            fam = rng.choice(N.FOREIGN_NAMES[nat][1])
            wife = self.person(hh, "妻", q.draw(rng, age - 15, age + 2), "F", fam, foreign=nat)
            wife.residence_status = rng.choice(("日本人の配偶者等", "永住者"))
            self.children(hh, family, min(age, wife.age), rng.choice((0, 1, 2)), max_age=20)

    def build(self, total: int) -> None:
        kinds = [k for k, _ in _TYPES]
        weights: list[float] = [w for _, w in _TYPES]
        for family in N.GUARANTEED_SURNAMES:
            if self.people >= total:
                break
            self.japanese(self.rng.choice(("single", "couple", "nuclear", "three_gen")), family)
        while self.people < total:
            if len(self.city.households) % 16 == 0:
                # Fewer households with children once the young quota runs low, more after.
                pressure = min(3.0, max(0.05, self.quota.child_pressure()))
                weights = [w * pressure if k in _WITH_CHILDREN else w for k, w in _TYPES]
            if self.foreigners < FOREIGN_SHARE * max(self.people, 1) and self.rng.random() < 0.5:
                self.foreign_household()
            else:
                self.japanese(self.rng.choices(kinds, weights=weights)[0])
        # Trim the last household to the exact size (never its head).
        last = self.city.households[-1]
        while self.people > total and len(last.members) > 1:
            removed = last.members.pop()
            self.people -= 1
            self.foreigners -= bool(removed.nationality)


def generate(
    residents: int = 30000,
    seed: int = 2026,
    *,
    prefecture: str = "千葉県",
    city: str = "茂原市",
    today: dt.date | None = None,
    towns: list[Town] | None = None,
) -> DemoCity:
    """A synthetic municipality of exactly ``residents`` people (deterministic for ``seed``).

    Addresses use the real postal codes and 町域 of ``prefecture`` ``city``;
    ``today`` fixes the reference date (ages, flags, fiscal years).
    """
    if residents < 1:
        raise ValueError("residents must be at least 1")
    rng = random.Random(seed)
    demo = DemoCity(prefecture=prefecture, city=city, today=today or dt.date.today())
    town_list = towns if towns is not None else city_towns(prefecture, city)
    if not town_list:
        raise ValueError(f"郵便番号データに {prefecture}{city} の町域がありません / no towns found")
    builder = _Builder(rng, _Quota(residents), town_list, demo)
    builder.build(residents)
    assign_economy(rng, demo.households, prefecture=prefecture, city=city, today=demo.today)
    return demo
