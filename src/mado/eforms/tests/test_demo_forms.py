"""The demo city's application forms (``eforms/data/forms/*.json``) are well-formed data.

Why a standard-library check besides ``schema.validate_definition``: the forms
are seed data written by hand, and the mistakes that slip in are relational —
a logic rule naming a renamed field, a condition comparing a choice with a
value it does not offer, a form bound to a procedure the catalogue does not
have, a fee that disagrees with the catalogue. These tests read the files with
``json`` and ``ast`` only, so they keep working (and keep pointing at the file
to fix) even while the eforms engine changes; when the engine's validator and
logic are importable they are run on every form as well.
"""

from __future__ import annotations

import ast
import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

import mado

FORMS_DIR = Path(mado.__file__).parent / "eforms" / "data" / "forms"
CATALOGUE = Path(mado.__file__).parent / "procedures" / "data" / "standard_catalogue.json"
FORM_FILES = sorted(FORMS_DIR.glob("*.json"))

FIELD_TYPES = {
    "text",
    "kana",
    "name",
    "date",
    "postal_code",
    "address",
    "phone",
    "email",
    "number",
    "money",
    "choice",
    "multichoice",
    "checkbox",
    "file",
    "group",
    "section",
}
# How a field's value appears in a logic expression (issue 4 spec); others are not facts.
FACT_TYPES = {
    "text": "str",
    "kana": "str",
    "date": "str",
    "postal_code": "str",
    "address": "str",
    "phone": "str",
    "email": "str",
    "number": "int",
    "money": "int",
    "choice": "choice",
    "multichoice": "str_list",
    "checkbox": "bool",
}
IDENTITY_LEVELS = {"none", "email", "card"}
FILE_TYPES = {"image/jpeg", "image/png", "application/pdf"}
# Prefill sources of the spec, with the field types each may fill.
PREFILL_SOURCES = {
    "identity.name": {"name"},
    "identity.name_kana": {"kana"},
    "identity.birth_date": {"date"},
    "identity.sex": {"choice"},
    "identity.address": {"address"},
    "identity.email": {"email"},
    "registry.name_kana": {"kana"},
    "registry.postal_code": {"postal_code"},
    "registry.address": {"address"},
    "registry.address_extra": {"text", "address"},
    "registry.household": {"group"},
}
# Inside a group prefilled from the household, each row's field names its member attribute.
MEMBER_SOURCES = {
    "member.name": {"name"},
    "member.name_kana": {"kana"},
    "member.birth_date": {"date"},
    "member.sex": {"choice"},
    "member.relationship": {"text", "choice"},
}
# Every form's procedure is in the standard catalogue (facility booking and event
# registration were added there as local services); nothing is exempt.
LOCAL_PROCEDURES: set[str] = set()
FUNCTIONS = {"any_between", "count_between", "len", "min", "max"}
CONSTANTS = {"true", "false", "True", "False"}
KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
CHOICE_VALUE = re.compile(r"^[A-Za-z0-9_]{1,100}$")


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _catalogue() -> dict[str, dict[str, Any]]:
    data = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    return {p["code"]: p for p in data["procedures"]}


def _top_fields(form: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"]: f for step in form["steps"] for f in step["fields"]}


def _ids(paths: list[Path]) -> list[str]:
    return [p.stem for p in paths]


def test_at_least_twelve_forms_each_for_its_own_procedure() -> None:
    forms = [_load(p) for p in FORM_FILES]
    assert len(forms) >= 12
    codes = [f["code"] for f in forms]
    assert len(set(codes)) == len(codes)
    # /apply/<procedure code>/ (CONTRACT.md) must resolve to one form.
    procedures = [f["procedure"] for f in forms]
    assert len(set(procedures)) == len(procedures), procedures


def test_readme_describes_every_form() -> None:
    readme = (FORMS_DIR / "README.md").read_text(encoding="utf-8")
    for path in FORM_FILES:
        form = _load(path)
        assert f"`{form['code']}`" in readme, form["code"]
        assert form["title"] in readme, form["title"]


@pytest.mark.parametrize("path", FORM_FILES, ids=_ids(FORM_FILES))
def test_header(path: Path) -> None:
    form = _load(path)
    assert form["schema"] == 1
    assert CODE.match(form["code"]) and path.stem == form["code"]
    for name in ("title", "title_en", "description", "description_en"):
        assert isinstance(form[name], str) and form[name].strip(), name
    assert form["description"].endswith("。"), "plain Japanese sentences"
    assert "です" in form["description"] or "ます" in form["description"], "です・ます調"
    assert form["identity"] in IDENTITY_LEVELS
    catalogue = _catalogue()
    assert form["procedure"] in catalogue or form["procedure"] in LOCAL_PROCEDURES, (
        f"procedure {form['procedure']!r} is not in the standard catalogue"
    )
    assert 2 <= len(form["steps"]) <= 5


def _check_field(f: dict[str, Any], *, in_group: bool) -> None:
    where = f.get("key")
    assert KEY.match(f["key"]), where
    assert f["type"] in FIELD_TYPES, where
    assert isinstance(f.get("label_en"), str) and f["label_en"], where
    if f["type"] != "section":
        assert isinstance(f.get("label"), str) and f["label"], where
    else:
        assert "required" not in f and "prefill" not in f, where
    if "help" in f:
        assert f.get("help_en"), f"{where}: help without help_en"
    if "required" in f:
        assert isinstance(f["required"], bool), where
    if f["type"] in ("choice", "multichoice"):
        choices = f.get("choices")
        assert isinstance(choices, list) and choices, f"{where}: choices must not be empty"
        values = [c["value"] for c in choices]
        assert len(set(values)) == len(values), f"{where}: duplicate choice values"
        for c in choices:
            assert CHOICE_VALUE.match(c["value"]), where
            assert c.get("label") and c.get("label_en"), where
    else:
        assert "choices" not in f, where
    if "min" in f or "max" in f:
        assert f["type"] in ("number", "money", "group", "multichoice"), where
        low, high = f.get("min", 0), f.get("max", 10**9)
        assert isinstance(low, int) and isinstance(high, int) and low <= high, where
        if "default" in f:
            assert low <= f["default"] <= high, where
    if f["type"] == "file":
        assert set(f["accept"]) <= FILE_TYPES and f["accept"], where
        assert 0 < f["max_size"] <= 10 * 1024 * 1024, where
    if "autofill" in f:
        assert f["type"] == "postal_code", where
    source = f.get("prefill")
    if source is not None:
        table = MEMBER_SOURCES if in_group else PREFILL_SOURCES
        assert source in table, f"{where}: unknown prefill source {source!r}"
        assert f["type"] in table[source], f"{where}: {source} cannot fill a {f['type']}"
    if f["type"] == "group":
        assert not in_group, f"{where}: nested group"
        rows = f["fields"]
        assert rows, where
        keys = [r["key"] for r in rows]
        assert len(set(keys)) == len(keys), f"{where}: duplicate keys in the group"
        for row in rows:
            _check_field(row, in_group=True)
        if f.get("prefill") == "registry.household":
            assert any(r.get("prefill", "").startswith("member.") for r in rows), where


@pytest.mark.parametrize("path", FORM_FILES, ids=_ids(FORM_FILES))
def test_steps_and_fields(path: Path) -> None:
    form = _load(path)
    seen: list[str] = []
    for step in form["steps"]:
        assert KEY.match(step["key"]) and step["title"] and step["title_en"]
        assert step["fields"], step["key"]
        seen.append(step["key"])
        for f in step["fields"]:
            _check_field(f, in_group=False)
            seen.append(f["key"])
    # Field keys (and step keys, which logic may also target) are unique in the form.
    duplicates = {k for k in seen if seen.count(k) > 1}
    assert not duplicates, duplicates
    fields = _top_fields(form)
    for f in fields.values():
        if "autofill" in f:
            assert fields.get(f["autofill"], {}).get("type") == "address", f["key"]
    assert any(f.get("required") for f in fields.values())


class _Expr:
    """Checks one logic expression against the form's fields with ``ast`` (no evaluation)."""

    ALLOWED = (
        ast.Expression,
        ast.BoolOp,
        ast.And,
        ast.Or,
        ast.UnaryOp,
        ast.Not,
        ast.USub,
        ast.Compare,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
        ast.In,
        ast.NotIn,
        ast.BinOp,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Name,
        ast.Load,
        ast.Constant,
        ast.List,
        ast.Call,
    )

    def __init__(self, source: str, fields: dict[str, dict[str, Any]]) -> None:
        self.source = source
        self.fields = fields
        self.tree = ast.parse(source, mode="eval")

    def names(self) -> set[str]:
        for node in ast.walk(self.tree):
            assert isinstance(node, self.ALLOWED), f"{self.source}: {type(node).__name__}"
            if isinstance(node, ast.Call):
                assert isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS
        called = {n.func.id for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return {
            n.id
            for n in ast.walk(self.tree)
            if isinstance(n, ast.Name) and n.id not in CONSTANTS and n.id not in called
        }

    def literal_choices(self) -> None:
        """A string compared with a choice field, or looked up in a multichoice, is offered."""
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.Compare):
                continue
            operands = [node.left, *node.comparators]
            for left, right in itertools.pairwise(operands):
                for field_node, other in ((left, right), (right, left)):
                    if not isinstance(field_node, ast.Name) or field_node.id not in self.fields:
                        continue
                    spec = self.fields[field_node.id]
                    if spec["type"] not in ("choice", "multichoice"):
                        continue
                    offered = {c["value"] for c in spec["choices"]}
                    if isinstance(other, ast.List):
                        literals = [e.value for e in other.elts if isinstance(e, ast.Constant)]
                    elif isinstance(other, ast.Constant):
                        literals = [other.value]
                    else:
                        literals = []
                    for value in literals:
                        assert value in offered, (
                            f"{self.source}: {value!r} is not a choice of {field_node.id}"
                        )


@pytest.mark.parametrize("path", FORM_FILES, ids=_ids(FORM_FILES))
def test_logic(path: Path) -> None:
    form = _load(path)
    fields = _top_fields(form)
    steps = {s["key"] for s in form["steps"]}
    logic = form.get("logic", [])
    assert logic, "every demo form has at least one logic rule"
    computed: set[str] = set()
    for rule in logic:
        action, target = rule["action"], rule["target"]
        assert action in ("show", "require", "compute"), rule
        assert target in fields or (action == "show" and target in steps), rule
        if action == "require":
            assert fields[target]["type"] != "section", rule
        if action == "compute":
            assert fields[target]["type"] in ("number", "money"), rule
            assert target not in computed, rule
            computed.add(target)
            expr = _Expr(rule["expr"], fields)
            for name in expr.names():
                assert name in fields and FACT_TYPES.get(fields[name]["type"]) == "int", rule
        else:
            expr = _Expr(rule["when"], fields)
            for name in expr.names():
                assert name in fields, f"{rule['when']}: {name} is not a field of this form"
                assert fields[name]["type"] in FACT_TYPES, f"{name} has no value to test"
        expr.literal_choices()
        assert len(rule.get("when") or rule.get("expr")) <= 500


@pytest.mark.parametrize("path", FORM_FILES, ids=_ids(FORM_FILES))
def test_fee_matches_catalogue(path: Path) -> None:
    """A computed fee uses the catalogue's price, so the form never quotes another one."""
    form = _load(path)
    procedure = _catalogue().get(form["procedure"])
    rules = [r for r in form["logic"] if r["action"] == "compute" and r["target"] == "fee_total"]
    if procedure is None or procedure["fee_unit"] != "per_copy":
        return
    assert rules, "a per-copy procedure shows the fee"
    assert rules[0]["expr"] == f"copies * {procedure['fee']}"


@pytest.mark.parametrize("path", FORM_FILES, ids=_ids(FORM_FILES))
def test_engine_validator_accepts(path: Path) -> None:
    schema = pytest.importorskip("mado.eforms.schema", reason="eforms schema not written yet")
    validate = getattr(schema, "validate_definition", None)
    if validate is None:
        pytest.skip("mado.eforms.schema has no validate_definition() yet")
    errors = validate(_load(path))
    assert errors == [], [str(e) for e in errors]


def _engine() -> Any:
    logic = pytest.importorskip("mado.eforms.logic", reason="eforms logic not written yet")
    if not hasattr(logic, "compile_definition") or not hasattr(logic, "evaluate"):
        pytest.skip("mado.eforms.logic has no compile_definition()/evaluate() yet")
    return logic


def test_juminhyo_proxy_needs_power_of_attorney_and_fee_is_computed() -> None:
    logic = _engine()
    compiled = logic.compile_definition(_load(FORMS_DIR / "juminhyo-yuso.json"))
    proxy = logic.evaluate(compiled, {"applicant_type": "proxy", "copies": 3})
    assert {"power_of_attorney", "principal_name"} <= proxy.required
    assert "include_my_number" not in proxy.visible and "members" not in proxy.visible
    assert proxy.computed["fee_total"] == 900
    own = logic.evaluate(compiled, {"applicant_type": "self", "copies": 1})
    assert "power_of_attorney" not in own.visible
    assert {"include_my_number", "members"} <= own.visible
    assert own.computed["fee_total"] == 300


def test_multichoice_and_checkbox_conditions() -> None:
    logic = _engine()
    risai = logic.compile_definition(_load(FORMS_DIR / "risai-shomeisho.json"))
    flooded = logic.evaluate(risai, {"damage_parts": ["roof", "flood_above"]})
    assert "flood_depth" in flooded.required
    below = logic.evaluate(risai, {"damage_parts": ["flood_below"]})
    assert "flood_depth" in below.visible and "flood_depth" not in below.required
    assert "flood_depth" not in logic.evaluate(risai, {"damage_parts": ["roof"]}).visible
    ninshin = logic.compile_definition(_load(FORMS_DIR / "ninshin-todoke.json"))
    assert "previous_births" in logic.evaluate(ninshin, {"first_pregnancy": False}).required
    assert "previous_births" not in logic.evaluate(ninshin, {"first_pregnancy": True}).visible
