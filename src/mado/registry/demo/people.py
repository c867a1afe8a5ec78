"""The demo residents' records and the economy around them: addresses, dates, flags, tax.

Why separate from :mod:`mado.registry.demo.generator`: the generator decides
*who* lives together; this module decides what a 住民票 and a 課税台帳 would say
about them, consistently with age and household: 本籍 and 筆頭者 only for
Japanese nationals, 在留資格 and 在留期間の満了の日 only for foreign residents,
後期高齢者医療 from 75, 介護保険 第1号被保険者 from 65, 国民健康保険 for the
self-employed, the retired and their families, 国民年金第1号 for 20–59 year
olds outside employee pensions, 児童手当 on the parent who receives it.

Taxable income uses one simplified rule, documented here because the demo's
auto-review rules rely on it: a resident is 課税 when their 所得 (income after
employment/pension deductions) exceeds :data:`NON_TAXABLE_LIMIT` (45万円, the
均等割 非課税限度額 of a single person in 1級地 since 令和3年度). Dependants,
級地 and 障害者 rules are ignored.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from functools import lru_cache

from mado.core.text import towns_of_city
from mado.registry.demo import names as N
from mado.registry.my_number import check_digit

NON_TAXABLE_LIMIT = 450_000
PERMANENT_STATUSES = frozenset({"永住者", "特別永住者"})
EMPLOYED_STATUSES = frozenset({"技能実習", "特定技能", "技術・人文知識・国際業務"})


@dataclass(frozen=True)
class Town:
    """A real 町域 with its postal code."""

    postal_code: str
    name: str
    has_chome: bool = False


@dataclass
class DemoTax:
    fiscal_year: int
    income: int
    taxable: bool
    has_arrears: bool
    declared: bool


@dataclass
class DemoResident:
    relationship: str
    family_name: str
    family_name_kana: str
    given_name: str
    given_name_kana: str
    birth_date: dt.date
    sex: str
    age: int
    nationality: str = ""  # '' for Japanese nationals
    residence_status: str = ""
    residence_expiry: dt.date | None = None
    former_surname: str = ""
    former_surname_kana: str = ""
    own_koseki: bool = False  # the younger couple of a 三世代 household
    occupation: str = ""
    honseki: str = ""
    hittousha: str = ""
    postal_code: str = ""
    address: str = ""
    address_extra: str = ""
    address_since: dt.date | None = None
    resident_since: dt.date | None = None
    previous_address: str = ""
    national_health_insurance: bool = False
    late_elderly_insurance: bool = False
    long_term_care_insurance: bool = False
    national_pension_type1: bool = False
    child_allowance: bool = False
    my_number: str = ""
    atena_number: str = ""
    taxes: list[DemoTax] = field(default_factory=list)

    @property
    def is_foreign(self) -> bool:
        return bool(self.nationality)


@dataclass
class DemoHousehold:
    number: str
    town: Town
    members: list[DemoResident] = field(default_factory=list)
    apartment: bool = False
    hittousha: str = ""

    @property
    def head(self) -> DemoResident:
        return next((m for m in self.members if m.relationship == "世帯主"), self.members[0])


@lru_cache(maxsize=64)
def _towns(prefecture: str, city: str) -> tuple[Town, ...]:
    chome = N.CHOME_TOWNS.get(city, frozenset())
    seen: dict[str, Town] = {}
    for a in towns_of_city(prefecture, city):
        if any(m in a.town for m in N.UNINHABITED_MARKERS) or a.town in seen:
            continue
        seen[a.town] = Town(a.postal_code, a.town, a.town in chome)
    return tuple(sorted(seen.values(), key=lambda t: (t.postal_code, t.name)))


def city_towns(prefecture: str, city: str) -> list[Town]:
    """Inhabited 町域 of a real city, from the postal data (sorted: deterministic)."""
    return list(_towns(prefecture, city))


def _banchi(rng: random.Random, town: Town) -> str:
    if town.has_chome:
        return f"{rng.randint(1, 3)}丁目{rng.randint(1, 28)}番{rng.randint(1, 22)}号"
    number = rng.randint(1, 2999)
    return f"{number}番地{rng.randint(1, 12)}" if rng.random() < 0.4 else f"{number}番地"


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    if end <= start:
        return start
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _add_years(d: dt.date, years: int) -> dt.date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


class _Economy:
    def __init__(self, rng: random.Random, prefecture: str, city: str, today: dt.date) -> None:
        self.rng, self.prefecture, self.city, self.today = rng, prefecture, city, today
        self.elsewhere = [(p, c, towns) for p, c in N.PREVIOUS_CITIES
                          if (towns := city_towns(p, c))]
        self.local_towns = city_towns(prefecture, city)
        self.used_numbers: set[str] = set()
        self.atena = 0
        fy = today.year if today.month >= 4 else today.year - 1
        self.fiscal_years = (fy - 1, fy)

    # -- places and dates ----------------------------------------------------
    def other_place(self, *, honseki: bool = False) -> str:
        pref, city, towns = self.rng.choice(self.elsewhere)
        town = self.rng.choice(towns)
        if honseki:
            return f"{pref}{city}{town.name}{self.rng.randint(1, 2999)}番地"
        return f"{pref}{city}{town.name}{_banchi(self.rng, town)}"

    def local_honseki(self) -> str:
        town = self.rng.choice(self.local_towns)
        return f"{self.prefecture}{self.city}{town.name}{self.rng.randint(1, 2999)}番地"

    def place(self, hh: DemoHousehold) -> None:
        rng = self.rng
        head = hh.head
        address = f"{self.prefecture}{self.city}{hh.town.name}{_banchi(rng, hh.town)}"
        young_single = len(hh.members) == 1 and head.age < 35
        extra = ""
        if hh.apartment or rng.random() < (0.6 if young_single else 0.12):
            extra = f"{rng.choice(N.APARTMENTS)}{rng.randint(1, 4)}{rng.randint(1, 8):02d}号"
        oldest = max(hh.members, key=lambda m: m.age)
        if head.is_foreign:
            years = 40 if head.residence_status in PERMANENT_STATUSES else 8
            earliest = max(_add_years(self.today, -years), _add_years(oldest.birth_date, 16))
            arrival = _date_between(rng, earliest, self.today - dt.timedelta(days=20))
            previous = "国外" if rng.random() < 0.6 else self.other_place()
        elif rng.random() < 0.45:  # a local family: the eldest was born here
            arrival, previous = oldest.birth_date, ""
        else:
            earliest = _add_years(oldest.birth_date, 18)
            arrival = _date_between(rng, earliest, self.today - dt.timedelta(days=10))
            previous = self.other_place()
        moved_within = (_date_between(rng, arrival, self.today - dt.timedelta(days=5))
                        if rng.random() < 0.2 else arrival)
        local = not head.is_foreign and previous == ""
        for m in hh.members:
            m.postal_code, m.address, m.address_extra = hh.town.postal_code, address, extra
            if local and m.relationship in ("妻", "夫", "子の妻") and rng.random() < 0.8:
                # married into a local family: arrived at the wedding, before the first child
                kids = "孫" if m.relationship == "子の妻" else "子"
                latest = min([_add_years(m.birth_date, 34), self.today] + [
                    k.birth_date for k in hh.members if k.relationship == kids])
                earliest = min(_add_years(m.birth_date, 20), latest)
                wedding = _date_between(rng, earliest, latest)
                m.resident_since, m.previous_address = wedding, self.other_place()
            elif m.birth_date >= arrival:  # born here
                m.resident_since, m.previous_address = m.birth_date, ""
            else:
                m.resident_since, m.previous_address = arrival, previous
            m.address_since = max(moved_within, m.resident_since)

    def koseki(self, hh: DemoHousehold) -> None:
        rng = self.rng
        japanese = [m for m in hh.members if not m.is_foreign]
        if not japanese:
            return
        head = hh.head if not hh.head.is_foreign else japanese[0]
        if not hh.hittousha:
            if head.sex == "F" and head.age >= 60 and rng.random() < 0.7:
                band = [b for b in N.GIVEN_NAMES if b[0] <= head.birth_date.year][-1]
                hh.hittousha = f"{head.family_name}　{rng.choice(band[1])[0]}"  # late husband
            else:
                hh.hittousha = f"{head.family_name}　{head.given_name}"
        young = next((m for m in japanese if m.own_koseki and m.sex == "M"
                      and m.relationship in ("子", "世帯主")), None)
        old_honseki = (self.local_honseki() if rng.random() < 0.55
                       else self.other_place(honseki=True))
        young_honseki = old_honseki if rng.random() < 0.7 else self.local_honseki()
        for m in japanese:
            if m.own_koseki and young is not None:
                m.honseki, m.hittousha = young_honseki, f"{young.family_name}　{young.given_name}"
            else:
                m.honseki, m.hittousha = old_honseki, hh.hittousha

    def foreign_status(self, m: DemoResident) -> None:
        if not m.is_foreign:
            return
        if not m.residence_status:
            m.residence_status = "永住者"
        if m.residence_status in PERMANENT_STATUSES:
            m.residence_expiry = None
        elif self.rng.random() < 0.06:  # due for renewal soon
            m.residence_expiry = self.today + dt.timedelta(days=self.rng.randint(5, 60))
        else:
            m.residence_expiry = self.today + dt.timedelta(days=self.rng.randint(61, 3 * 365))

    # -- work, insurance, pension --------------------------------------------
    def occupation(self, m: DemoResident) -> str:
        rng, age = self.rng, m.age
        if m.residence_status in EMPLOYED_STATUSES:
            return "employee"
        if m.residence_status == "留学":
            return "student"
        if age < 16:
            return "child"
        if age < 19:
            return "student" if rng.random() < 0.93 else "employee"
        if age < 23:
            return rng.choices(("student", "employee", "unemployed"), (55, 37, 8))[0]
        if age < 65:
            if m.relationship in ("妻", "子の妻"):
                return rng.choices(("employee", "homemaker", "self_employed"), (52, 38, 10))[0]
            if m.relationship in ("世帯主", "夫", "子"):
                return rng.choices(("employee", "self_employed", "unemployed"), (78, 13, 9))[0]
            return rng.choices(("employee", "unemployed", "self_employed"), (78, 16, 6))[0]
        if age < 75:
            return rng.choices(("employee", "self_employed", "retired"), (30, 15, 55))[0]
        return "self_employed" if rng.random() < 0.08 else "retired"

    def insure(self, hh: DemoHousehold) -> None:
        for m in hh.members:
            m.occupation = self.occupation(m)
        employees = {m.relationship for m in hh.members if m.occupation == "employee"}
        any_employee = bool(employees)
        spouse_of = {"妻": ("世帯主",), "夫": ("世帯主",), "子の妻": ("子",), "子": ("子の妻",),
                     "世帯主": ("妻", "夫")}
        for m in hh.members:
            m.late_elderly_insurance = m.age >= 75
            m.long_term_care_insurance = m.age >= 65
            employed = m.occupation == "employee"
            dependant = not employed and m.age < 65 and any_employee and m.occupation in (
                "child", "student", "homemaker", "unemployed")
            m.national_health_insurance = m.age < 75 and not employed and not dependant
            spouse_employed = any(s in employees for s in spouse_of.get(m.relationship, ()))
            m.national_pension_type1 = (20 <= m.age < 60 and not employed and not (
                spouse_employed and m.occupation in ("homemaker", "unemployed")))

    # -- money ---------------------------------------------------------------
    def income(self, m: DemoResident) -> int:
        rng, occ, age = self.rng, m.occupation, m.age
        if occ == "employee":
            if m.residence_status == "技能実習":
                value = rng.lognormvariate(14.29, 0.12)  # ≈ 1.6M
            elif m.sex == "M":
                factor = (0.6 if age < 25 else 0.85 if age < 35 else 1.1 if age < 50
                          else 1.2 if age < 60 else 0.8 if age < 65 else 0.55)
                value = factor * rng.lognormvariate(15.1, 0.45)  # median ≈ 3.6M
            else:
                value = rng.lognormvariate(14.3, 0.75)  # part-time heavy, median ≈ 1.6M
        elif occ == "self_employed":
            value = rng.lognormvariate(14.7, 0.9)
        elif occ == "retired":
            value = 0 if rng.random() < 0.4 else rng.lognormvariate(13.9, 0.6)
        elif occ == "homemaker":
            value = 0 if rng.random() < 0.7 else rng.uniform(0, 900_000)
        elif occ in ("student", "unemployed"):
            value = 0 if rng.random() < 0.82 else rng.uniform(0, 600_000)
        else:
            value = 0
        return int(round(value, -3))

    def taxes(self, m: DemoResident) -> None:
        if m.age < 16:
            return
        rng = self.rng
        base = self.income(m)
        in_arrears = rng.random() < 0.02
        for i, year in enumerate(self.fiscal_years):
            declared = rng.random() >= 0.03
            income = int(round(base * rng.uniform(0.93, 1.07), -3)) if declared else 0
            arrears = in_arrears and (i == 1 or rng.random() < 0.5)
            m.taxes.append(DemoTax(year, income, declared and income > NON_TAXABLE_LIMIT,
                                   arrears, declared))

    def child_allowance(self, hh: DemoHousehold) -> None:
        kids = [m for m in hh.members if m.age < 18 and m.relationship in ("子", "孫")]
        if not kids:
            return
        parent_rels = ("子", "子の妻") if any(k.relationship == "孫" for k in kids) else (
            "世帯主", "妻", "夫")
        parents = [m for m in hh.members if m.relationship in parent_rels and m.age >= 18
                   and m not in kids]
        if not parents:
            parents = [hh.head]
        receiver = max(parents, key=lambda p: (p.taxes[-1].income if p.taxes else 0,
                                               p.sex == "M"))
        receiver.child_allowance = True

    def my_number(self) -> str:
        while True:
            body = f"{self.rng.randrange(10**11):011d}"
            number = body + str(check_digit(body))
            if number not in self.used_numbers:
                self.used_numbers.add(number)
                return number


def assign_economy(rng: random.Random, households: list[DemoHousehold], *, prefecture: str,
                   city: str, today: dt.date) -> None:
    """Fill in addresses, dates, 本籍, statuses, flags, taxes and numbers (in place)."""
    eco = _Economy(rng, prefecture, city, today)
    for hh in households:
        eco.place(hh)
        eco.koseki(hh)
        for m in hh.members:
            eco.foreign_status(m)
        eco.insure(hh)
        for m in hh.members:
            eco.taxes(m)
            eco.atena += 1
            m.atena_number = f"{eco.atena:010d}"
            m.my_number = eco.my_number()
        eco.child_allowance(hh)
