"""Schema validation: every mistake a form builder can make, with its JSON path."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mado.eforms.samples import example, large_definition
from mado.eforms.schema import INTERNAL, SchemaError, validate_definition


def paths(data: Any) -> dict[str, str]:
    return {e.path: e.message for e in validate_definition(data)}


def field(i: int = 0, step: int = 0) -> str:
    return f"steps[{step}].fields[{i}]"


def test_the_example_and_the_large_form_are_valid() -> None:
    assert validate_definition(example()) == []
    assert validate_definition(large_definition()) == []


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "x",
        3,
        {"steps": "x"},
        {"steps": [1, None, []]},
        {"steps": [{"fields": [1, "a", None, {"type": []}]}]},
        {"logic": "x"},
        {"logic": [None, 1, {"action": []}]},
    ],
)
def test_garbage_gives_errors_not_exceptions(data: Any) -> None:
    assert validate_definition(data)


def test_duplicate_keys_across_steps_but_group_children_have_their_own_namespace() -> None:
    d = example()
    d["steps"][1]["fields"][1]["key"] = "phone"  # copies -> phone, which is on step 0
    d["logic"] = [r for r in d["logic"] if r["target"] != "fee_total"]
    errors = paths(d)
    assert "steps[1].fields[1].key" in errors
    assert "duplicate key 'phone'" in errors["steps[1].fields[1].key"]
    assert "steps[0].fields[5]" in errors["steps[1].fields[1].key"]
    # the household group has children named "name" and "birth_date" like top-level fields: fine
    assert not any(p.startswith("steps[1].fields[6]") for p in errors)


@pytest.mark.parametrize(
    ("mutate", "path", "fragment"),
    [
        (
            lambda d: d["steps"][0]["fields"][7].update(choices=[]),
            "steps[0].fields[7].choices",
            "at least one choice",
        ),
        (
            lambda d: d["steps"][1]["fields"][3]["choices"].append(
                {"value": "honseki", "label": "x"}
            ),
            "steps[1].fields[3].choices[3].value",
            "duplicate value",
        ),
        (
            lambda d: d["steps"][1]["fields"][1].update(min=5, max=2),
            "steps[1].fields[1].min",
            "greater than max",
        ),
        (
            lambda d: d["steps"][0]["fields"][9].update(accept=["text/html"]),
            "steps[0].fields[9].accept",
            "accept must list",
        ),
        (
            lambda d: d["steps"][0]["fields"][9].update(max_size=20 * 1024 * 1024),
            "steps[0].fields[9].max_size",
            "10 MB",
        ),
        (
            lambda d: d["steps"][0]["fields"][0].update(type="signature"),
            "steps[0].fields[0].type",
            "unknown field type",
        ),
        (
            lambda d: d["steps"][0]["fields"][0].update(label="あ" * 201),
            "steps[0].fields[0].label",
            "at most 200",
        ),
        (
            lambda d: d["steps"][0]["fields"][0].update(colour="red"),
            "steps[0].fields[0].colour",
            "unknown property",
        ),
        (
            lambda d: d["steps"][0]["fields"][0].update(key="Name"),
            "steps[0].fields[0].key",
            "a-z, 0-9",
        ),
        (
            lambda d: d["steps"][0]["fields"][0].update(key="class"),
            "steps[0].fields[0].key",
            "reserved",
        ),
        (
            lambda d: d["steps"][0]["fields"][0].update(prefill="registry.my_number"),
            "steps[0].fields[0].prefill",
            "unknown prefill source",
        ),
        (
            lambda d: d["steps"][1]["fields"][1].update(default=50),
            "steps[1].fields[1].default",
            "at most 10",
        ),
        (
            lambda d: d["steps"][0]["fields"][3].update(autofill="phone"),
            "steps[0].fields[3].autofill",
            "names an address field",
        ),
        (
            lambda d: d["steps"][1]["fields"][6]["fields"].append(
                {
                    "key": "kids",
                    "type": "group",
                    "label": "子",
                    "fields": [{"key": "a", "type": "text", "label": "a"}],
                }
            ),
            "steps[1].fields[6].fields[3].type",
            "cannot contain a group",
        ),
        (
            lambda d: d["logic"].append({"action": "show", "target": "nope", "when": "copies > 1"}),
            "logic[7].target",
            "'nope' is not a field or step",
        ),
        (
            lambda d: d["logic"].append(
                {"action": "require", "target": "copies", "when": "copies > '1'"}
            ),
            "logic[7].when",
            "cannot compare int with str",
        ),
        (
            lambda d: d["logic"].append(
                {"action": "show", "target": "note", "when": 'purpose == "villa"'}
            ),
            "logic[7].when",
            "not a choice of 'purpose'",
        ),
        (
            lambda d: d["logic"].append({"action": "compute", "target": "purpose", "expr": "1"}),
            "logic[7].target",
            "number or money field",
        ),
        (
            lambda d: d["logic"].append(
                {"action": "compute", "target": "copies", "expr": "fee_total + 1"}
            ),
            "logic[6].expr",
            "depends on itself",
        ),
        (
            lambda d: d["logic"].append({"action": "hide", "target": "note", "when": "true"}),
            "logic[7].action",
            "show, require or compute",
        ),
        (lambda d: d.update(identity="passport"), "identity", "none, email or card"),
        (lambda d: d.update(schema=2), "schema", "must be 1"),
        (lambda d: d.update(code="住民票"), "code", "slug"),
    ],
)
def test_errors_point_at_the_problem(mutate: Any, path: str, fragment: str) -> None:
    d = example()
    mutate(d)
    errors = paths(d)
    assert path in errors, errors
    assert fragment in errors[path]
    ja, _, en = errors[path].partition(" / ")
    assert ja and en  # bilingual, Japanese first


def test_a_logic_rule_can_show_a_whole_step_and_use_a_multichoice() -> None:
    d = example()
    d["logic"].append({"action": "show", "target": "request", "when": "copies > 0"})
    d["logic"].append({"action": "show", "target": "note", "when": '"my_number" in items'})
    assert validate_definition(d) == []
    d["logic"].append({"action": "show", "target": "note", "when": '"passport" in items'})
    assert "not a choice of 'items'" in paths(d)["logic[9].when"]


def test_limits() -> None:
    assert "at most 400 fields" in paths(large_definition(fields=401, rules=10))["steps"]
    assert "at most 20 steps" in paths(large_definition(fields=42, rules=10, steps=21))["steps"]
    assert "at most 300 rules" in paths(large_definition(fields=100, rules=301))["logic"]
    assert validate_definition(large_definition(fields=400, rules=300, steps=20)) == []


def test_json_schema_document_is_valid_json_and_names_every_type() -> None:
    import json
    from pathlib import Path

    from mado.eforms.fields import FIELD_TYPES

    doc = json.loads((Path(__file__).parents[1] / "schema.json").read_text(encoding="utf-8"))
    assert set(doc["$defs"]["field"]["properties"]["type"]["enum"]) == set(FIELD_TYPES)


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.text(max_size=5)
    | st.sampled_from(["text", "group", "choice", "show", "compute", "a", "key", "steps"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "key",
                    "type",
                    "label",
                    "fields",
                    "steps",
                    "logic",
                    "choices",
                    "min",
                    "max",
                    "target",
                    "when",
                    "expr",
                    "action",
                    "value",
                    "prefill",
                ]
            ),
            inner,
            max_size=5,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(JSON)
def test_any_json_gives_a_list_of_errors(data: Any) -> None:
    errors = validate_definition(data)
    assert isinstance(errors, list)
    assert all(e.message and e.message != INTERNAL for e in errors)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(["steps", "logic", "title", "code"]), JSON)
def test_replacing_any_part_of_a_good_form_never_raises(part: str, value: Any) -> None:
    d = example()
    d[part] = value
    assert SchemaError("", INTERNAL) not in validate_definition(d)
    d = example()
    d["steps"][0]["fields"][0][part] = value
    d["logic"][0][part] = value
    assert SchemaError("", INTERNAL) not in validate_definition(d)
