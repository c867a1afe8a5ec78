"""Form benchmark: server-side validation of a 200-field form with 100 logic rules.

The measured path is :func:`mado.eforms.logic.validate_submission` on a form
compiled once (as the resident flow does through the per-version cache):
parse and normalise every field, iterate compute → show to a fixed point,
apply required-ness, collect messages. The baseline does the same work the
straightforward way: check the definition against the schema and compile its
rules on every request (no cache). Both run on the same generated form and
the same realistic values (half-width kana, 和暦 dates, full-width digits,
"1,500" money) in the same run. The issue's goal: p95 < 20 ms.
"""

from __future__ import annotations

import time

from harness import Context, Row, make_row, percentile

from mado.eforms.logic import compile_definition, validate_submission
from mado.eforms.samples import large_definition, realistic_values


def bench_form_validation(ctx: Context) -> list[Row]:
    definition = large_definition(fields=200, rules=100)
    values = realistic_values(definition)
    compiled = compile_definition(definition)
    first = validate_submission(compiled, values)
    if not first.ok:
        raise RuntimeError(f"the benchmark form does not validate: {list(first.errors)[:5]}")
    runs = max(ctx.queries, 300)
    times: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        validate_submission(compiled, values)
        times.append((time.perf_counter() - started) * 1000)
    naive: list[float] = []
    for _ in range(runs):
        started = time.perf_counter()
        validate_submission(compile_definition(definition), values)
        naive.append((time.perf_counter() - started) * 1000)
    p95, base = percentile(times, 95), percentile(naive, 95)
    rules = len(definition["logic"])
    ctx.log(
        f"{runs} validations of {len(compiled.fields)} fields, {rules} rules, "
        f"{len(first.state.visible)} visible: p95 {p95:.2f} ms, "
        f"recompiling every call p95 {base:.2f} ms"
    )
    return [make_row("form_validation_p95", p95, "ms", "uncached_compile_validate_p95", base)]
