"""Seed step for ``mado seed_demo`` (order 80): the fee rules of the demo forms.

住民票の写し and 所得・課税証明書 by mail: ¥300 per copy, paid right after
submitting (with an exemption for certificates used for a pension claim, as
many cities waive them); 犬の登録事項変更: free; 粗大ごみ: ¥500 per item,
computed from the form's item count; 公共施設の使用: paid after review (事後決済)
— ¥2,000 per booking, payable from /my/ once staff approve.
"""

from __future__ import annotations

from typing import Any

DEMO_RULES: list[dict[str, Any]] = [
    {"procedure_code": "juminhyo-utsushi", "kind": "per_copy", "amount_yen": 300,
     "copies_field": "copies", "timing": "before",
     "exempt_when": 'purpose == "pension"', "exemption_reason": "年金の請求に使う証明書は無料"},
    {"procedure_code": "shotoku-kazei-shomeisho", "kind": "per_copy", "amount_yen": 300,
     "copies_field": "copies", "timing": "before"},
    {"procedure_code": "inu-shozaichi-henko", "kind": "free", "amount_yen": 0, "timing": "before"},
    {"procedure_code": "sodai-gomi", "kind": "computed", "expression": "total_items * 500",
     "timing": "before"},
    {"procedure_code": "shisetsu-shiyo", "kind": "fixed", "amount_yen": 2000,
     "timing": "after_review", "note": "使用料（1回の基本料金）",
     "exempt_when": "reduction and not commercial",
     "exemption_reason": "減免申請（審査のうえ決定）"},
]


def seed_fee_rules(municipality: Any) -> int:
    from mado.payments.models import FeeRule

    n = 0
    for spec in DEMO_RULES:
        defaults = {k: v for k, v in spec.items() if k != "procedure_code"}
        FeeRule.unscoped.update_or_create(municipality=municipality,
                                          procedure_code=spec["procedure_code"],
                                          defaults=defaults)
        n += 1
    return n


def _seed_fees(ctx: Any) -> None:
    for code, municipality in ctx.municipalities.items():
        n = seed_fee_rules(municipality)
        ctx.write(f"  {code}: 手数料の設定 {n} 件 / fee rules")


def register_demo_step() -> None:
    from mado.registry.demo.loader import register_step

    register_step("fees", _seed_fees, order=80)
