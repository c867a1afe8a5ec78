"""Validation of catalogue data, shared by the admin (on save) and the importers.

Returns field → messages (bilingual) instead of raising, so an import can
report every problem of every row at once.
"""

from __future__ import annotations

import re
from typing import Any

from mado.procedures.facts import LIFE_EVENTS, rule_specs
from mado.procedures.models import Channel, FeeUnit
from mado.procedures.rules import RuleError, compile_rule

CODE_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CHANNELS = {c.value for c in Channel}
FEE_UNITS = {u.value for u in FeeUnit}


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def validate_procedure_fields(data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    code = data.get("code", "")
    if not isinstance(code, str) or not CODE_RE.match(code) or len(code) > 80:
        add("code", "手続コードは半角英小文字・数字とハイフンです / code must be a lowercase slug")
    if not isinstance(data.get("name"), str) or not data.get("name", "").strip():
        add("name", "手続名は必須です / name is required")
    channels = data.get("channels", [])
    if not _str_list(channels) or not set(channels) <= CHANNELS:
        add("channels", f"受付方法は {sorted(CHANNELS)} から選びます / unknown channel")
    if data.get("fee_unit", "none") not in FEE_UNITS:
        add("fee_unit", f"手数料の単位は {sorted(FEE_UNITS)} です / unknown fee unit")
    fee = data.get("fee", 0)
    if isinstance(fee, bool) or not isinstance(fee, int) or not 0 <= fee <= 10_000_000:
        add("fee", "手数料は0以上の整数（円）です / fee must be a non-negative integer (yen)")
    for field in ("documents", "proxy_documents"):
        if not _str_list(data.get(field, [])):
            add(field, "文字列のリストです / must be a list of strings")
    events = data.get("life_events", [])
    if not _str_list(events) or not set(events) <= set(LIFE_EVENTS):
        add(
            "life_events",
            f"ライフイベントは {sorted(LIFE_EVENTS)} から選びます / unknown life event",
        )
    rules = data.get("rules", [])
    if not isinstance(rules, list):
        add("rules", "条件はリストです / rules must be a list")
        rules = []
    specs = rule_specs()
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not isinstance(rule.get("when"), str):
            add(
                "rules",
                f'{i + 1}番目: {{"when": …, "reason": …}} の形です / rule {i + 1}: bad shape',
            )
            continue
        if not str(rule.get("reason", "")).strip():
            add("rules", f"{i + 1}番目: 理由（reason）が必要です / rule {i + 1}: reason required")
        try:
            compile_rule(rule["when"], specs)
        except RuleError as exc:
            add("rules", f"{i + 1}番目「{rule['when'][:80]}」: {exc}")
    return errors
