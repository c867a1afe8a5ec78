"""Render helpers: a flat HTML POST becomes nested raw values; views carry aria ids and messages."""

from __future__ import annotations

from django.http import QueryDict

from mado.eforms.logic import compile_definition, validate_submission
from mado.eforms.render import raw_from_post, step_fields
from mado.eforms.samples import example

FORM = compile_definition(example())


def test_raw_from_post_builds_names_lists_and_group_rows() -> None:
    post = QueryDict(mutable=True)
    post.update(
        {
            "name.family": "髙橋",
            "name.given": "太郎",
            "copies": "２",
            "agree": "on",
            "members.0.name.family": "髙橋",
            "members.0.birth_date": "R2.4.1",
            "members.1.relationship": "子",
            "members.x.name": "ignored",
            "junk": "1",
        }
    )
    post.setlist("items", ["honseki", "relationship"])
    raw = raw_from_post(FORM, post)
    assert raw["name"] == {
        "family": "髙橋",
        "given": "太郎",
        "family_kana": None,
        "given_kana": None,
    }
    assert raw["items"] == ["honseki", "relationship"]
    assert raw["members"] == [
        {"name": {"family": "髙橋"}, "birth_date": "R2.4.1"},
        {"relationship": "子"},
    ]
    assert "junk" not in raw
    result = validate_submission(FORM, raw)
    assert result.values["copies"] == 2 and result.values["items"] == ["honseki", "relationship"]
    assert "members[1].name" in result.errors  # the second row has no name


def test_step_fields_describe_inputs_for_templates() -> None:
    result = validate_submission(FORM, {"applicant_type": "proxy", "phone": "123", "copies": "3"})
    views = {v.key: v for v in step_fields(FORM, "applicant", result, locked=frozenset({"name"}))}
    assert views["phone"].errors and views["phone"].describedby == "f-phone-error"
    assert views["phone"].value == "123"  # what the user typed, to show again
    assert views["proxy_name"].visible and views["proxy_name"].required
    assert views["name"].locked
    assert views["applicant_type"].choices[1] == ("proxy", "代理人")
    request = {v.key: v for v in step_fields(FORM, "request", result, lang="en")}
    assert request["fee_total"].value == 900 and request["copies"].label == "Copies"
    assert request["h_request"].visible and request["h_request"].describedby == "f-h_request-help"
