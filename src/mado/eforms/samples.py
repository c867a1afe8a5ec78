"""Sample definitions: the documented example form and a synthetic large form.

Why in the package: the example in docs/eforms.md, the tests and the
benchmark must all mean the same form, and the benchmark's 200-field,
100-rule form must be generated the same way every run (deterministic, no
randomness) so that its figure can be compared between runs.
"""

from __future__ import annotations

import copy
from typing import Any

JUMINHYO_YUSO: dict[str, Any] = {
    "schema": 1,
    "code": "juminhyo-yuso",
    "title": "住民票の写しの郵送請求",
    "title_en": "Request a copy of the residence certificate by mail",
    "procedure": None,
    "description": "住民票の写しを郵送で請求します。",
    "identity": "card",
    "steps": [
        {
            "key": "applicant",
            "title": "請求する方",
            "title_en": "Applicant",
            "fields": [
                {
                    "key": "name",
                    "type": "name",
                    "label": "氏名",
                    "label_en": "Name",
                    "required": True,
                    "prefill": "identity.name",
                },
                {
                    "key": "name_kana",
                    "type": "kana",
                    "label": "氏名（フリガナ）",
                    "label_en": "Name (katakana)",
                    "prefill": "registry.name_kana",
                },
                {
                    "key": "birth_date",
                    "type": "date",
                    "label": "生年月日",
                    "label_en": "Date of birth",
                    "required": True,
                    "prefill": "identity.birth_date",
                },
                {
                    "key": "postal_code",
                    "type": "postal_code",
                    "label": "郵便番号",
                    "label_en": "Postal code",
                    "autofill": "address",
                    "prefill": "registry.postal_code",
                },
                {
                    "key": "address",
                    "type": "address",
                    "label": "住所",
                    "label_en": "Address",
                    "required": True,
                    "prefill": "identity.address",
                },
                {
                    "key": "phone",
                    "type": "phone",
                    "label": "日中の電話番号",
                    "label_en": "Daytime phone",
                    "required": True,
                },
                {
                    "key": "email",
                    "type": "email",
                    "label": "メールアドレス",
                    "label_en": "E-mail",
                    "prefill": "identity.email",
                },
                {
                    "key": "applicant_type",
                    "type": "choice",
                    "label": "請求する方",
                    "label_en": "Who is applying",
                    "required": True,
                    "widget": "radio",
                    "choices": [
                        {"value": "self", "label": "本人・同一世帯の方", "label_en": "Myself"},
                        {"value": "proxy", "label": "代理人", "label_en": "A proxy"},
                    ],
                },
                {
                    "key": "proxy_name",
                    "type": "name",
                    "label": "代理人の氏名",
                    "label_en": "Proxy's name",
                },
                {
                    "key": "proxy_doc",
                    "type": "file",
                    "label": "委任状",
                    "label_en": "Letter of proxy",
                    "accept": ["image/jpeg", "image/png", "application/pdf"],
                    "max_size": 5242880,
                },
            ],
        },
        {
            "key": "request",
            "title": "請求の内容",
            "title_en": "What you request",
            "fields": [
                {
                    "key": "h_request",
                    "type": "section",
                    "label": "請求の内容",
                    "help": "必要な通数と記載事項を選んでください。",
                },
                {
                    "key": "copies",
                    "type": "number",
                    "label": "通数",
                    "label_en": "Copies",
                    "min": 1,
                    "max": 10,
                    "default": 1,
                    "required": True,
                },
                {"key": "fee_total", "type": "money", "label": "手数料", "label_en": "Fee"},
                {
                    "key": "items",
                    "type": "multichoice",
                    "label": "記載事項",
                    "label_en": "Items to include",
                    "choices": [
                        {"value": "honseki", "label": "本籍・筆頭者"},
                        {"value": "relationship", "label": "続柄"},
                        {"value": "my_number", "label": "個人番号"},
                    ],
                },
                {
                    "key": "purpose",
                    "type": "choice",
                    "label": "使いみち",
                    "label_en": "Purpose",
                    "required": True,
                    "choices": [
                        {"value": "work", "label": "勤務先へ提出"},
                        {"value": "other", "label": "その他"},
                    ],
                },
                {
                    "key": "purpose_other",
                    "type": "text",
                    "label": "その他の使いみち",
                    "label_en": "Other purpose",
                    "max_length": 200,
                },
                {
                    "key": "members",
                    "type": "group",
                    "label": "世帯員",
                    "label_en": "Household",
                    "min": 0,
                    "max": 10,
                    "prefill": "registry.household",
                    "fields": [
                        {"key": "name", "type": "name", "label": "氏名", "required": True},
                        {"key": "birth_date", "type": "date", "label": "生年月日"},
                        {"key": "relationship", "type": "text", "label": "続柄", "max_length": 30},
                    ],
                },
                {
                    "key": "note",
                    "type": "text",
                    "label": "連絡事項",
                    "multiline": True,
                    "max_length": 1000,
                },
                {
                    "key": "agree",
                    "type": "checkbox",
                    "label": "記載内容に誤りがないことを確認しました",
                    "label_en": "I confirm the above is correct",
                    "required": True,
                },
            ],
        },
    ],
    "logic": [
        {"action": "show", "target": "proxy_name", "when": 'applicant_type == "proxy"'},
        {"action": "show", "target": "proxy_doc", "when": 'applicant_type == "proxy"'},
        {"action": "require", "target": "proxy_name", "when": 'applicant_type == "proxy"'},
        {"action": "require", "target": "proxy_doc", "when": 'applicant_type == "proxy"'},
        {"action": "show", "target": "purpose_other", "when": 'purpose == "other"'},
        {"action": "require", "target": "purpose_other", "when": 'purpose == "other"'},
        {"action": "compute", "target": "fee_total", "expr": "copies * 300"},
    ],
}


def example() -> dict[str, Any]:
    """A fresh copy of the documented example (住民票の写しの郵送請求)."""
    return copy.deepcopy(JUMINHYO_YUSO)


_CYCLE = (
    "text",
    "kana",
    "number",
    "money",
    "choice",
    "date",
    "checkbox",
    "multichoice",
    "phone",
    "postal_code",
    "email",
    "name",
    "address",
)


def large_definition(fields: int = 200, rules: int = 100, steps: int = 10) -> dict[str, Any]:
    """A deterministic form of ``fields`` fields over ``steps`` steps with ``rules`` logic rules.

    Every fifth field is a *switch* (a choice yes/no); the rules show or
    require the fields after it, and every tenth rule computes a money field
    from two numbers, so compute → show chains occur as in real forms.
    """
    specs: list[dict[str, Any]] = []
    for i in range(fields):
        kind = "choice" if i % 5 == 0 else _CYCLE[i % len(_CYCLE)]
        spec: dict[str, Any] = {
            "key": f"f{i:03d}",
            "type": kind,
            "label": f"項目{i}",
            "required": i % 7 == 0,
        }
        if kind == "choice":
            spec["choices"] = [
                {"value": "yes", "label": "はい"},
                {"value": "no", "label": "いいえ"},
            ]
        elif kind == "multichoice":
            spec["choices"] = [{"value": v, "label": v} for v in ("a", "b", "c")]
        elif kind in ("number", "money"):
            spec["min"], spec["max"] = 0, 100_000
        specs.append(spec)
    logic: list[dict[str, Any]] = []
    numbers = [s["key"] for s in specs if s["type"] == "number"]
    moneys = [s["key"] for s in specs if s["type"] == "money"]
    switches = [s["key"] for s in specs if s["type"] == "choice"]
    targets = [s["key"] for s in specs if s["type"] not in ("choice", "money")]
    computed: set[str] = set()
    for r in range(rules):
        if r % 10 == 9 and moneys and moneys[(r // 10) % len(moneys)] not in computed:
            target = moneys[(r // 10) % len(moneys)]
            computed.add(target)
            a, b = numbers[r % len(numbers)], numbers[(r + 1) % len(numbers)]
            logic.append({"action": "compute", "target": target, "expr": f"{a} * 2 + {b}"})
            continue
        switch = switches[r % len(switches)]
        target = targets[(r * 7) % len(targets)]
        if r % 3 == 0:
            number = numbers[r % len(numbers)]
            when = f'{switch} == "yes" and {number} > 10'
        elif r % 3 == 1 and moneys:
            when = f'{switch} == "yes" or {moneys[r % len(moneys)]} > 1000'
        else:
            when = f'{switch} != "no"'
        logic.append(
            {"action": "show" if r % 2 == 0 else "require", "target": target, "when": when}
        )
    per_step = -(-fields // steps)
    return {
        "schema": 1,
        "code": "large-form",
        "title": "大きな様式（性能試験用）",
        "steps": [
            {
                "key": f"s{n}",
                "title": f"ステップ{n + 1}",
                "fields": specs[n * per_step : (n + 1) * per_step],
            }
            for n in range(steps)
            if specs[n * per_step : (n + 1) * per_step]
        ],
        "logic": logic,
    }


_VALUES = {
    "text": "申請内容の説明です",
    "kana": "ﾀｶﾊｼ ﾀﾛｳ",
    "number": "１２",
    "money": "1,500",
    "choice": "yes",
    "date": "令和2年4月1日",
    "checkbox": "on",
    "multichoice": ["a", "c"],
    "phone": "0475-23-2111",
    "postal_code": "〒297-0022",
    "email": "taro@example.jp",
    "name": {"family": "髙橋", "given": "太郎", "family_kana": "たかはし", "given_kana": "たろう"},
    "address": "千葉県茂原市道表1番地",
}


def realistic_values(definition: dict[str, Any]) -> dict[str, Any]:
    """Values a resident might send for every field (as an HTML form would: mostly strings)."""
    out: dict[str, Any] = {}
    for step in definition["steps"]:
        for f in step["fields"]:
            if f["type"] in _VALUES:
                out[f["key"]] = copy.deepcopy(_VALUES[f["type"]])
    return out
