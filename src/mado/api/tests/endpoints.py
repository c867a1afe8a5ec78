"""Every API operation, read from the ninja api object, with a real サンプル市 object for each id.

Why a helper: the malformed-input and tenant-isolation tests must cover each
endpoint, including ones added later. They enumerate the operations from the
OpenAPI document django-ninja builds from the routers, and look up here how to
fill each path parameter and a valid body. A new path parameter or a new
endpoint with a body fails those tests until it is described below, so
nothing is skipped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mado.api.router import api


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # template, e.g. /api/v1/residents/{resident_id}
    path_params: tuple[str, ...]
    query_params: dict[str, str] = field(default_factory=dict)  # name -> JSON schema type
    has_body: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def url(self, **values: str) -> str:
        out = self.path
        for name in self.path_params:
            out = out.replace("{" + name + "}", str(values[name]))
        return out


def operations() -> list[Operation]:
    found = []
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, spec in methods.items():
            params = spec.get("parameters", [])
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params=tuple(p["name"] for p in params if p["in"] == "path"),
                    query_params={
                        p["name"]: p.get("schema", {}).get("type", "string")
                        for p in params
                        if p["in"] == "query"
                    },
                    has_body="requestBody" in spec,
                )
            )
    return found


def path_values(world: dict[str, Any]) -> dict[str, str]:
    """A real サンプル市 object for each path parameter name the API uses."""
    return {
        "resident_id": str(world["takahashi"].pk),
        "code": "tennyu-todoke",
        "procedure_code": world["form_code"],
        "session_id": str(world["session"].pk),
        "case_id": str(world["case"].pk),
        "reference": world["payment"].reference,
    }


def valid_query(op: Operation) -> dict[str, str]:
    samples = {"q": "たかはし", "birth_date": "1980-04-01", "life_event": "birth",
               "status": "submitted", "limit": "5", "offset": "0", "online": "true",
               "department": "shimin"}  # fmt: skip
    return {name: samples[name] for name in op.query_params if name in samples}


def valid_body(op: Operation, world: dict[str, Any]) -> dict[str, Any]:
    """A body the endpoint accepts; KeyError for an endpoint nobody described yet."""
    bodies: dict[str, dict[str, Any]] = {
        "POST /api/v1/navigator/plan": {"life_event": "moving_within",
                                        "facts": {"has_my_number_card": True}},
        "POST /api/v1/forms/{procedure_code}/submissions": {"values": {
            "event": "walk",
            "name": {"family": "髙橋", "given": "花子", "family_kana": "たかはし",
                     "given_kana": "はなこ"},
            "email": "hanako@example.jp", "phone": "0475-23-1111", "resident": "city",
            "participants": [{"full_name": "髙橋 花子", "furigana": "たかはし はなこ",
                              "age": "42"}],
            "photo_consent": True}},
        "POST /api/v1/counter/sessions": {
            "resident_id": world["takahashi"].pk, "life_event": "moving_within", "facts": {},
            "answers": {"new_address": "千葉県サンプル市新町2丁目3番4号",
                        "move_date": "2026-04-01"}},
        "POST /api/v1/cases/{case_id}/transitions": {"status": "accepted", "note": "確認"},
    }  # fmt: skip
    return bodies[op.label]
