"""The public hooks the counter uses instead of other apps' internals.

``eforms.services.version_for_procedure`` must find the same form as the
resident's apply flow; ``eforms.paper.paper_story`` must draw a form exactly
as the single-form PDF does; the confirmation must go through
``submissions.create_submitted`` (no draft round trip).
"""

from __future__ import annotations

import copy
import re
from typing import Any

from mado.apply.engine import _find_form_uncached
from mado.counter import services
from mado.counter.demo import counter_definitions
from mado.counter.pdf import render_bundle
from mado.counter.tests.test_services import NEW, _session, pdf_text
from mado.eforms import services as eforms
from mado.eforms.paper import render_paper_form
from mado.submissions.models import ServiceEvent, StatusChange, Submission

TENKYO = next(d for d in counter_definitions() if d["code"] == "counter-tenkyo")


def test_version_for_procedure_is_the_apply_flows_form(family: dict[str, Any]) -> None:
    city = family["city"]
    codes = [d["procedure"] for d in counter_definitions()]
    found = eforms.version_for_procedure(city, [*codes, "no-such-procedure"])
    assert "no-such-procedure" not in found and "tenkyo-todoke" in found
    for code in codes:
        expected, _procedure = _find_form_uncached(city, code)
        assert (found.get(code) and found[code].pk) == (expected and expected.pk), code
    # A second form for 転居届, published later, is the one both find.
    newer = copy.deepcopy(TENKYO)
    newer["code"], newer["title"] = "counter-tenkyo-2", "転居届（新様式）"
    version = eforms.import_json(city, newer, user=None)
    eforms.publish(version, user=None)
    assert eforms.version_for_procedure(city, ["tenkyo-todoke"])["tenkyo-todoke"].pk == version.pk
    assert _find_form_uncached(city, "tenkyo-todoke")[0].pk == version.pk
    # Another city's forms are never found.
    assert eforms.version_for_procedure(family["town"], codes) == {}
    assert eforms.version_for_procedure(city, []) == {}


def _body(text: str) -> list[str]:
    """The lines of a PDF's text, spaces collapsed, without the page footers (the document's)."""
    footer = re.compile(r"^\s*(様式 \S+ 第\d+版.*|\d+（通し \d+）|\d+)\s*$")
    return [" ".join(line.split()) for line in text.splitlines()
            if line.strip() and not footer.match(line)]


def test_the_bundle_draws_each_form_as_the_single_form_pdf(
    family: dict[str, Any], tmp_path: Any
) -> None:
    session = _session(family, answers=NEW)
    tenkyo = next(f for f in services.filled_forms(session) if f.code == "counter-tenkyo")
    city = family["city"].name
    single = pdf_text(render_paper_form(tenkyo.version, values=tenkyo.values,
                                        municipality_name=city), tmp_path)
    bundle = pdf_text(render_bundle([(tenkyo.version, tenkyo.values)], municipality_name=city),
                      tmp_path)
    assert "千葉県サンプル市新町2丁目3番4号" in bundle
    assert _body(bundle) == _body(single)


def test_confirmation_writes_no_draft(family: dict[str, Any], monkeypatch: Any) -> None:
    session = _session(family, answers=NEW)

    def no_draft(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the counter must not open drafts")

    monkeypatch.setattr(services.submissions, "create_draft", no_draft)
    monkeypatch.setattr(services.submissions, "submit", no_draft)
    made = services.confirm(session, user=family["madoguchi"], attested=True)
    assert len(made) >= 5
    for sub in made:
        changes = list(StatusChange.unscoped.filter(submission=sub).values_list(
            "from_status", "to_status"))
        assert changes == [("draft", "submitted")]
        kinds = sorted(ServiceEvent.unscoped.filter(submission=sub).values_list("kind", flat=True))
        assert kinds == ["form_started", "submitted"]
    assert Submission.unscoped.filter(status="draft").count() == 0
