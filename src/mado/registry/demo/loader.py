"""Writes the demo city to the database: tenants, departments, staff, registry.

Why it is built as a list of steps: ``mado seed_demo`` is the one command that
turns an empty database into a city someone can try, and later apps (the
procedure catalogue, form definitions, ...) add their own demo data to it.
They do so with :func:`register_step` instead of editing this module, and a
registry app below them never imports them (dependencies point downward).

Speed matters because the benchmarks seed 100,000 residents (``seed_100k``,
goal under 60 s): rows go in through :mod:`mado.registry.demo.bulk` (COPY on
PostgreSQL), 個人番号 are encrypted as the rows are built, search tokens are
computed once per distinct name, and the foreign keys between the registry
tables are checked once per table rather than once per row at commit (that
per-row check alone cost ~8 s). Each step runs in one transaction, so the
steps that write many small rows (routes, forms, demo cases) wait for one WAL
flush instead of one per row. The time of every step (and of the reset and
the final ``VACUUM (ANALYZE)``) is returned in ``timings`` and printed as the
step ends. Audit rows are never deleted; a seeding appends one entry.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from mado.core import audit
from mado.core.codes import validate_municipality_code
from mado.core.models import Department, Municipality, Role, StaffMembership, StaffProfile
from mado.core.tenancy import use_municipality
from mado.registry import my_number
from mado.registry.demo.bulk import TableWriter, foreign_keys_checked_once
from mado.registry.demo.generator import DemoCity, DemoResident, generate
from mado.registry.models import (
    Household,
    Nationality,
    ResidentRecord,
    ResidentSearchToken,
    TaxSummary,
)
from mado.registry.search import alias_tokens_for, sort_key_for, tokens_for


@dataclass(frozen=True)
class DemoMunicipality:
    code: str
    name: str
    name_kana: str
    prefecture: str
    real_city: str  # whose postal codes and 町域 the synthetic addresses use
    residents: int | None  # None: as many as asked for on the command line
    seed_offset: int


CITY = DemoMunicipality("129992", "サンプル市", "サンプルシ", "千葉県", "茂原市", None, 0)
TOWN = DemoMunicipality("129984", "テスト町", "テストマチ", "千葉県", "長生郡長柄町", 500, 1)
DEMO_MUNICIPALITIES = (CITY, TOWN)

# (municipality code, department code, name, kana, location, phone). Phone numbers
# use the unassigned 00 exchange so that nobody real is ever called from the demo.
DEPARTMENTS = (
    ("129992", "shimin", "市民課", "シミンカ", "本庁舎1階 1〜3番窓口", "0475-00-1101"),
    ("129992", "hoken", "保険年金課", "ホケンネンキンカ", "本庁舎1階 5・6番窓口", "0475-00-1201"),
    ("129992", "kosodate", "子育て支援課", "コソダテシエンカ", "本庁舎2階 11番窓口",
     "0475-00-1301"),
    ("129992", "fukushi", "福祉課", "フクシカ", "本庁舎2階 13番窓口", "0475-00-1401"),
    ("129992", "zeimu", "税務課", "ゼイムカ", "本庁舎1階 8番窓口", "0475-00-1501"),
    ("129992", "kaigo", "高齢介護課", "コウレイカイゴカ", "本庁舎2階 15番窓口", "0475-00-1601"),
    ("129992", "gakko", "学校教育課", "ガッコウキョウイクカ", "教育センター3階", "0475-00-1701"),
    ("129992", "kankyo", "環境課", "カンキョウカ", "本庁舎3階", "0475-00-1801"),
    ("129992", "kaikei", "会計課", "カイケイカ", "本庁舎1階 10番窓口", "0475-00-1901"),
    ("129984", "jumin", "住民課", "ジュウミンカ", "役場1階 1番窓口", "0475-00-2101"),
)

# (username, display name, municipality code, [(department code, role)]).
STAFF = (
    ("madoguchi", "窓口 花子", "129992", [("shimin", Role.COUNTER), ("shimin", Role.MY_NUMBER)]),
    ("shimin", "市民 太郎", "129992", [("shimin", Role.REVIEWER), ("shimin", Role.APPROVER)]),
    ("hoken", "保険 次郎", "129992", [("hoken", Role.REVIEWER)]),
    ("kosodate", "子育 さくら", "129992", [("kosodate", Role.REVIEWER)]),
    ("test-madoguchi", "テスト町 窓口", "129984", [("jumin", Role.COUNTER)]),
)


@dataclass
class SeedContext:
    """What the steps share: options, output, the rows made so far, the counts."""

    residents: int
    seed: int
    force: bool
    write: Callable[[str], None]
    today: dt.date
    municipalities: dict[str, Municipality] = field(default_factory=dict)
    departments: dict[tuple[str, str], Department] = field(default_factory=dict)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    password_hash: str = ""  # of MADO_DEMO_PASSWORD, hashed once for every demo account


@dataclass(frozen=True)
class SeedStep:
    name: str
    order: int
    run: Callable[[SeedContext], None]
    reset: Callable[[SeedContext], None] | None = None  # before a --force reseed


_STEPS: dict[str, SeedStep] = {}


def register_step(name: str, run: Callable[[SeedContext], None], *, order: int,
                  reset: Callable[[SeedContext], None] | None = None) -> None:
    """Add (or replace) a seeding step; steps run by ``order``, resets in reverse."""
    _STEPS[name] = SeedStep(name, order, run, reset)


def steps() -> list[SeedStep]:
    return sorted(_STEPS.values(), key=lambda s: (s.order, s.name))


# -- built-in steps -----------------------------------------------------------

def _municipalities(ctx: SeedContext) -> None:
    for spec in DEMO_MUNICIPALITIES:
        validate_municipality_code(spec.code)
        ctx.municipalities[spec.code], _ = Municipality.objects.update_or_create(
            code=spec.code,
            defaults={"name": spec.name, "name_kana": spec.name_kana,
                      "prefecture": spec.prefecture, "is_active": True},
        )


def _departments(ctx: SeedContext) -> None:
    for order, (code, dept, name, kana, location, phone) in enumerate(DEPARTMENTS):
        municipality = ctx.municipalities[code]
        ctx.departments[(code, dept)], _ = Department.unscoped.update_or_create(
            municipality=municipality, code=dept,
            defaults={"name": name, "name_kana": kana, "location": location, "phone": phone,
                      "sort_order": (order + 1) * 10},
        )


def _staff(ctx: SeedContext) -> None:
    user_model = get_user_model()
    # The demo accounts share one documented password, so it is hashed once
    # (each PBKDF2 hash takes about half a second).
    hashed = ctx.password_hash = make_password(settings.MADO_DEMO_PASSWORD)
    # admin is a superuser without a municipality (so without a StaffProfile and
    # its is_demo flag); an existing admin may be the operator's own: left as is.
    user_model.objects.get_or_create(
        username="admin", defaults={"is_staff": True, "is_superuser": True, "password": hashed})
    for username, display, code, roles in STAFF:
        user, created = user_model.objects.get_or_create(username=username)
        profile = StaffProfile.objects.filter(user=user).first()
        if not created and profile is not None and not profile.is_demo:
            ctx.write(f"  {username}: 本番の職員アカウントのため変更しません / "
                      "a real staff account of that name exists; left unchanged")
            continue
        if created or ctx.force:
            user.password = hashed
            user.save()
        municipality = ctx.municipalities[code]
        StaffProfile.objects.update_or_create(
            user=user, defaults={"municipality": municipality, "display_name": display,
                                 "is_demo": True})
        for dept, role in roles:
            StaffMembership.unscoped.get_or_create(
                municipality=municipality, user=user, department=ctx.departments[(code, dept)],
                role=role)


def _reset_registry(ctx: SeedContext) -> None:
    # Plain DELETEs: the ORM's collector would load 100,000 records first (half
    # a minute). A row elsewhere that still refers to a resident makes the
    # database refuse (IntegrityError), which seed_demo reports.
    ids = list(Municipality.objects.filter(code__in=[m.code for m in DEMO_MUNICIPALITIES])
               .values_list("pk", flat=True))
    if not ids:
        return
    placeholders = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        for model in (ResidentSearchToken, TaxSummary, ResidentRecord, Household):
            table = connection.ops.quote_name(model._meta.db_table)
            field = "municipality_id" if model is ResidentSearchToken else "municipality"
            column = connection.ops.quote_name(model._meta.get_field(field).column)
            cursor.execute(f"DELETE FROM {table} WHERE {column} IN ({placeholders})",  # noqa: S608
                           ids)


def _registry(ctx: SeedContext) -> None:
    for spec in DEMO_MUNICIPALITIES:
        municipality = ctx.municipalities[spec.code]
        size = spec.residents or ctx.residents
        started = time.perf_counter()
        demo = generate(size, ctx.seed + spec.seed_offset, prefecture=spec.prefecture,
                        city=spec.real_city, today=ctx.today)
        generated = time.perf_counter()
        ctx.write(f"  {spec.name}: {size:,}人を生成しました({generated - started:.1f}秒) / "
                  f"generated {size:,} residents ({generated - started:.1f} s)")
        with transaction.atomic():
            ctx.counts[spec.code] = load_city(municipality, demo)
        ctx.timings[f"generate_{spec.code}"] = generated - started
        ctx.timings[f"write_{spec.code}"] = time.perf_counter() - generated
        counts = ctx.counts[spec.code]
        ctx.write(f"  {spec.name}: {counts['households']:,}世帯・{counts['residents']:,}人を"
                  f"登録しました({time.perf_counter() - generated:.1f}秒) / wrote "
                  f"{counts['households']:,} households, {counts['residents']:,} residents")


register_step("municipalities", _municipalities, order=10)
register_step("departments", _departments, order=20)
register_step("staff", _staff, order=30)
register_step("registry", _registry, order=40, reset=_reset_registry)


# -- registry writer ----------------------------------------------------------

_RESIDENT_COLUMNS = (
    "municipality", "atena_number", "household", "relationship", "family_name", "given_name",
    "family_name_kana", "given_name_kana", "former_surname", "former_surname_kana",
    "birth_date", "sex", "postal_code", "address", "address_extra", "address_since",
    "resident_since", "previous_address", "nationality_type", "honseki", "hittousha",
    "nationality", "residence_status", "residence_expiry", "national_health_insurance",
    "late_elderly_insurance", "long_term_care_insurance", "national_pension_type1",
    "child_allowance", "my_number_encrypted", "my_number_hash",
)
_TAX_COLUMNS = ("municipality", "resident", "fiscal_year", "income", "taxable", "has_arrears",
                "declared")


def _token_strings(r: DemoResident) -> list[tuple[str, bool]]:
    """What :func:`mado.registry.services.build_search_tokens` indexes: (token, is_alias).

    The same calls with the same fields, minus the model instances (a third of
    the seeding time at 100,000 residents); a test checks both agree.
    """
    names = tokens_for(r.family_name, r.given_name, r.family_name_kana, r.given_name_kana)
    aliases = alias_tokens_for(names, r.former_surname, r.former_surname_kana, "")
    return [(t, False) for t in names] + [(t, True) for t in aliases]


_NameKey = tuple[str, str, str, str, str, str]


def _name_key(r: DemoResident) -> _NameKey:
    return (r.family_name, r.given_name, r.family_name_kana, r.given_name_kana,
            r.former_surname, r.former_surname_kana)


def load_city(municipality: Municipality, demo: DemoCity) -> dict[str, int]:
    """Write one generated municipality (call inside a transaction); returns row counts.

    The foreign keys between the four tables are checked once per table at
    the end instead of once per row at commit (see
    :func:`~mado.registry.demo.bulk.foreign_keys_checked_once`).
    """
    with foreign_keys_checked_once((Household, ResidentRecord, ResidentSearchToken,
                                    TaxSummary)):
        return _write_city(municipality, demo)


def _write_city(municipality: Municipality, demo: DemoCity) -> dict[str, int]:
    """The rows of :func:`load_city`.

    Only households and residents get their ids reserved here (the rows below
    them point at those ids); tokens and tax summaries are numbered by the
    database. Names repeat (100,000 residents carry about 15,000 different
    names), so their search tokens and sort key are computed once per name.
    """
    mid = municipality.pk
    day = connection.ops.adapt_datefield_value  # looked up once: 800,000 dates
    foreign, japanese = Nationality.FOREIGN.value, Nationality.JAPANESE.value
    households = TableWriter(Household, ("municipality", "household_number"))
    household_ids = households.reserve_ids(len(demo.households))
    households.write((hid, mid, h.number) for hid, h in zip(household_ids, demo.households,
                                                             strict=True))
    records = TableWriter(ResidentRecord, _RESIDENT_COLUMNS)
    people = [(hid, r) for hid, h in zip(household_ids, demo.households, strict=True)
              for r in h.members]
    resident_ids = records.reserve_ids(len(people))
    encrypt, lookup_hash = my_number.encrypt, my_number.lookup_hash

    def resident_rows() -> Iterator[tuple[Any, ...]]:
        for rid, (hid, r) in zip(resident_ids, people, strict=True):
            # The generator makes valid numbers only: what encrypt_my_number would
            # store, without validating each of them again.
            yield (rid, mid, r.atena_number, hid, r.relationship, r.family_name, r.given_name,
                   r.family_name_kana, r.given_name_kana, r.former_surname,
                   r.former_surname_kana, day(r.birth_date), r.sex, r.postal_code,
                   r.address, r.address_extra, day(r.address_since),
                   day(r.resident_since), r.previous_address,
                   foreign if r.nationality else japanese, r.honseki, r.hittousha,
                   r.nationality, r.residence_status, day(r.residence_expiry),
                   r.national_health_insurance, r.late_elderly_insurance,
                   r.long_term_care_insurance, r.national_pension_type1, r.child_allowance,
                   encrypt(r.my_number), lookup_hash(r.my_number))

    records.write(resident_rows())
    by_name: dict[_NameKey, tuple[str, list[tuple[str, bool]]]] = {}

    def token_rows() -> Iterator[tuple[Any, ...]]:
        for rid, (_, r) in zip(resident_ids, people, strict=True):
            key = _name_key(r)
            known = by_name.get(key)
            if known is None:
                known = by_name[key] = (sort_key_for(r.family_name_kana, r.given_name_kana),
                                        _token_strings(r))
            sort_key, strings = known
            birth = day(r.birth_date)
            for token, is_alias in strings:
                yield (mid, rid, token, sort_key, True, birth, is_alias)

    tokens = TableWriter(ResidentSearchToken, ("municipality_id", "resident", "token", "sort_key",
                                               "active", "birth_date", "is_alias"), ids=False)
    token_count = tokens.write(token_rows())
    taxes = TableWriter(TaxSummary, _TAX_COLUMNS, ids=False)
    tax_count = taxes.write((mid, rid, t.fiscal_year, t.income, t.taxable, t.has_arrears,
                             t.declared)
                            for rid, (_, r) in zip(resident_ids, people, strict=True)
                            for t in r.taxes)
    return {"households": len(household_ids), "residents": len(resident_ids),
            "search_tokens": token_count, "tax_summaries": tax_count}


# -- entry point --------------------------------------------------------------

def _writer(stdout: TextIO | None) -> Callable[[str], None]:
    def write(message: str) -> None:
        if stdout is not None:
            stdout.write(message if message.endswith("\n") else message + "\n")
    return write


def _refresh_statistics() -> None:
    """Give PostgreSQL's planner fresh statistics after a bulk load (else the first
    searches plan as if the tables were empty)."""
    if connection.vendor == "postgresql":
        # VACUUM also sets the visibility map, so searches can use index-only
        # scans; it cannot run inside a transaction (tests), ANALYZE can.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cur:
            cur.execute(
                f"{command} registry_residentsearchtoken, registry_residentrecord, "
                "registry_household, registry_taxsummary"
            )


def seed_demo(residents: int = 30000, seed: int = 2026, force: bool = False,
              stdout: TextIO | None = None, *, today: dt.date | None = None) -> dict[str, Any]:
    """Create or refresh サンプル市 and テスト町 (what ``mado seed_demo`` runs).

    Does nothing when サンプル市 already has residents, unless ``force``: then
    the registry rows of both demo municipalities are deleted first (audit
    rows never are). Returns counts and timings.
    """
    if settings.PRODUCTION:
        raise RuntimeError("本番環境では体験用データを作成できません / "
                           "refusing to seed demo data in production")
    if residents < 1:
        raise ValueError("住民数は1以上です / residents must be at least 1")
    started = time.perf_counter()
    write = _writer(stdout)
    ctx = SeedContext(residents=residents, seed=seed, force=force, write=write,
                      today=today or timezone.localdate())
    existing = Municipality.objects.filter(code=CITY.code).first()
    if existing is not None and ResidentRecord.unscoped.filter(municipality=existing).exists():
        if not force:
            count = ResidentRecord.unscoped.filter(municipality=existing).count()
            write(f"{CITY.name}にはすでに{count:,}人の住民がいます。作り直すには --force / "
                  f"{CITY.name} already has {count:,} residents; use --force to reseed.")
            return {"skipped": True, "residents": count, "elapsed_seconds": 0.0}
    with use_municipality(None):
        if force:
            write("体験用データを削除しています… / deleting the demo registry…")
            reset_started = time.perf_counter()
            try:
                for step in reversed(steps()):
                    if step.reset is not None:
                        with transaction.atomic():
                            step.reset(ctx)
            except IntegrityError as exc:
                raise RuntimeError(
                    "ほかのデータが住民記録を参照しているため削除できません / cannot delete: "
                    f"other rows refer to demo residents ({exc})") from exc
            ctx.timings["reset"] = time.perf_counter() - reset_started
        for step in steps():
            step_started = time.perf_counter()
            write(f"[{step.name}] …")
            # One transaction per step: its many small writes (routes, forms, demo
            # cases ...) then wait for one WAL flush at the end, not one per row.
            with transaction.atomic():
                step.run(ctx)
            ctx.timings[step.name] = time.perf_counter() - step_started
            write(f"[{step.name}] {ctx.timings[step.name]:.1f}秒 / s")
    statistics_started = time.perf_counter()
    _refresh_statistics()
    ctx.timings["statistics"] = time.perf_counter() - statistics_started
    elapsed = time.perf_counter() - started
    audit.record(audit.Action.SEED, actor="seed_demo", target_type="demo",
                 target_id=",".join(m.code for m in DEMO_MUNICIPALITIES),
                 reason="体験用データの作成 / demo seeding",
                 detail={"residents": residents, "seed": seed, "force": force,
                         "counts": ctx.counts, "elapsed_seconds": round(elapsed, 2)})
    total = sum(c["residents"] for c in ctx.counts.values())
    write(f"完了: {len(ctx.counts)}団体・住民{total:,}人・{elapsed:.1f}秒 / "
          f"done: {len(ctx.counts)} municipalities, {total:,} residents in {elapsed:.1f} s")
    for code, counts in ctx.counts.items():
        write(f"  {code}: " + ", ".join(f"{k}={v:,}" for k, v in counts.items()))
    return {"skipped": False, "residents": total, "municipalities": ctx.counts,
            "timings": {k: round(v, 3) for k, v in ctx.timings.items()},
            "elapsed_seconds": round(elapsed, 3)}
