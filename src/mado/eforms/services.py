"""Public API of the eforms app: create, edit, publish, copy, import and export forms.

Why these functions and not the models: every change to a form must be
validated against the schema (so a broken definition can never reach a
resident), published versions must stay frozen, the compiled-form cache must
follow status changes, and creating, publishing and importing are audited.
Views, the admin, the staff builder and seed_demo all go through here.

Reading for the resident flow: :func:`current_version` (the published version
of a code), :func:`get_version`, :func:`compiled` (cached
:class:`~mado.eforms.logic.CompiledForm`), and re-exports of
:func:`validate_submission`, :func:`evaluate` and :func:`prefill`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from mado.core import audit
from mado.core.models import Municipality
from mado.eforms.logic import (
    CompiledForm,
    DefinitionInvalid,
    Result,
    compile_version,
    evaluate,
    forget,
    validate_submission,
)
from mado.eforms.models import FormDefinition, FormVersion, VersionStatus
from mado.eforms.prefill import prefill
from mado.eforms.schema import SchemaError, validate_definition

__all__ = [
    "DefinitionInvalid",
    "Result",
    "SchemaError",
    "compiled",
    "copy_form",
    "create_form",
    "current_version",
    "evaluate",
    "export_json",
    "forms_of",
    "get_version",
    "import_json",
    "latest_version",
    "prefill",
    "publish",
    "save_draft",
    "validate_definition",
    "validate_submission",
    "version_for_procedure",
    "versions_of",
]

EXPORT_FORMAT = "mado-form"


def _checked(definition: object) -> dict[str, Any]:
    errors = validate_definition(definition)
    if errors:
        raise DefinitionInvalid(errors)
    return copy.deepcopy(dict(definition))  # type: ignore[arg-type]


def _procedure(municipality: Municipality, code: str | None) -> Any:
    if not code:
        return None
    from mado.procedures.models import Procedure

    found = Procedure.unscoped.filter(municipality=municipality, code=code).first()
    if found is None:
        raise DefinitionInvalid(
            [
                SchemaError(
                    "procedure",
                    f"手続「{code}」はこの団体の手続一覧にありません / "
                    f"no procedure {code!r} in this municipality's catalogue",
                )
            ]
        )
    return found


@transaction.atomic
def create_form(
    municipality: Municipality, definition: Mapping[str, Any], *, user: Any
) -> FormDefinition:
    """A new form with draft version 1. Raises DefinitionInvalid (also for a code in use)."""
    data = _checked(definition)
    if FormDefinition.unscoped.filter(municipality=municipality, code=data["code"]).exists():
        raise DefinitionInvalid(
            [
                SchemaError(
                    "code",
                    f"様式コード「{data['code']}」は既に使われています / "
                    f"form code {data['code']!r} is already in use",
                )
            ]
        )
    form = FormDefinition.unscoped.create(
        municipality=municipality,
        code=data["code"],
        title=data["title"],
        procedure=_procedure(municipality, data.get("procedure")),
    )
    FormVersion.unscoped.create(municipality=municipality, form=form, number=1, definition=data)
    audit.record(
        audit.Action.CREATE,
        user=user,
        municipality=municipality,
        target_type="form",
        target_id=form.pk,
        reason="様式の作成 / form created",
        detail={"code": form.code},
    )
    return form


@transaction.atomic
def save_draft(form: FormDefinition, definition: Mapping[str, Any], *, user: Any) -> FormVersion:
    """Update the current draft, or start a new draft after the newest version. Validates first."""
    data = _checked(definition)
    if data["code"] != form.code:
        raise DefinitionInvalid(
            [
                SchemaError(
                    "code",
                    f"様式コードは「{form.code}」のままにしてください（別の様式にするには複製します） / "
                    f"the code must stay {form.code!r} (copy the form to change it)",
                )
            ]
        )
    form = FormDefinition.unscoped.select_for_update().get(pk=form.pk)
    latest = FormVersion.unscoped.filter(form=form).order_by("-number").first()
    procedure = _procedure(form.municipality, data.get("procedure"))
    if latest is not None and latest.status == VersionStatus.DRAFT:
        latest.definition = data
        latest.save(update_fields=["definition", "updated_at"])
        version = latest
    else:
        number = (latest.number if latest else 0) + 1
        version = FormVersion.unscoped.create(
            municipality=form.municipality, form=form, number=number, definition=data
        )
    FormDefinition.unscoped.filter(pk=form.pk).update(title=data["title"], procedure=procedure)
    return version


@transaction.atomic
def publish(version: FormVersion, *, user: Any) -> FormVersion:
    """Publish a draft (or re-publish a retired version); the published one before it retires."""
    version = FormVersion.unscoped.select_for_update().get(pk=version.pk)
    _checked(version.definition)
    _procedure(version.municipality, version.definition.get("procedure"))
    if version.status == VersionStatus.PUBLISHED:
        return version
    previous = list(
        FormVersion.unscoped.filter(form_id=version.form_id, status=VersionStatus.PUBLISHED)
    )
    for old in previous:
        old.status = VersionStatus.RETIRED
        old.save(update_fields=["status", "updated_at"])
        forget(old.pk)
    version.status = VersionStatus.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user if getattr(user, "is_authenticated", False) else None
    version.save(update_fields=["status", "published_at", "published_by", "updated_at"])
    forget(version.pk)
    audit.record(
        "publish",
        user=user,
        municipality=version.municipality,
        target_type="form_version",
        target_id=version.pk,
        reason="様式の公開 / form published",
        detail={
            "code": version.form.code,
            "number": version.number,
            "retired": [v.number for v in previous],
        },
    )
    return version


def latest_version(form: FormDefinition) -> FormVersion | None:
    return FormVersion.unscoped.filter(form=form).order_by("-number").first()


@transaction.atomic
def copy_form(form: FormDefinition, new_code: str, *, user: Any) -> FormDefinition:
    """A new form (draft v1) from the newest version of ``form`` under ``new_code``."""
    source = latest_version(form)
    if source is None:
        raise DefinitionInvalid(
            [SchemaError("", "複製元に版がありません / the form has no version")]
        )
    data = copy.deepcopy(source.definition)
    data["code"] = new_code
    return create_form(form.municipality, data, user=user)


def export_json(version: FormVersion) -> dict[str, Any]:
    """A self-describing export: the definition plus which version it was."""
    return {
        "format": EXPORT_FORMAT,
        "version": version.number,
        "status": version.status,
        "exported_at": timezone.now().isoformat(),
        "definition": copy.deepcopy(version.definition),
    }


def _parse_import(data: object) -> object:
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise DefinitionInvalid(
                [
                    SchemaError(
                        "", "UTF-8 のJSONファイルを指定してください / the file must be UTF-8 JSON"
                    )
                ]
            ) from None
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise DefinitionInvalid(
                [SchemaError("", f"JSONとして読めません / not valid JSON: {exc}"[:300])]
            ) from None
    if isinstance(data, Mapping) and data.get("format") == EXPORT_FORMAT:
        return data.get("definition")
    return data


@transaction.atomic
def import_json(municipality: Municipality, data: object, *, user: Any) -> FormVersion:
    """Import an export (or a bare definition) as a draft: a new form, or a new draft of it."""
    definition = _checked(_parse_import(data))
    form = FormDefinition.unscoped.filter(
        municipality=municipality, code=definition["code"]
    ).first()
    if form is None:
        form = create_form(municipality, definition, user=user)
        version = FormVersion.unscoped.get(form=form, number=1)
    else:
        version = save_draft(form, definition, user=user)
    audit.record(
        audit.Action.IMPORT,
        user=user,
        municipality=municipality,
        target_type="form_version",
        target_id=version.pk,
        reason="様式の取込 / form imported",
        detail={"code": form.code, "number": version.number},
    )
    return version


def current_version(municipality: Municipality, code: str) -> FormVersion | None:
    """The published version of form ``code`` (None when nothing is published)."""
    return (
        FormVersion.unscoped.select_related("form")
        .filter(municipality=municipality, form__code=code, status=VersionStatus.PUBLISHED)
        .first()
    )


def version_for_procedure(
    municipality: Municipality, codes: Iterable[str]
) -> dict[str, FormVersion]:
    """The newest published form version of each procedure code (one query; absent codes left out).

    A form belongs to a procedure by its foreign key or, before it is linked,
    by the ``"procedure"`` its definition names — the same rule and order
    (newest ``published_at``, then highest number) as the apply flow's lookup.
    """
    wanted = [str(c) for c in codes]
    if not wanted:
        return {}
    rows = (
        FormVersion.unscoped.select_related("form", "form__procedure")
        .filter(Q(form__procedure__code__in=wanted) | Q(definition__procedure__in=wanted),
                municipality=municipality, status=VersionStatus.PUBLISHED)
        .order_by("-published_at", "-number")
    )
    found: dict[str, FormVersion] = {}
    for version in rows:
        linked = version.form.procedure.code if version.form.procedure_id else None
        named = version.definition.get("procedure") if isinstance(version.definition, dict) else None
        for code in (linked, named):
            if code in wanted:
                found.setdefault(code, version)
    return found


def get_version(pk: object) -> FormVersion | None:
    """A version by primary key within the current tenant scope (None if absent or malformed)."""
    try:
        pk = int(pk)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return FormVersion.objects.select_related("form").filter(pk=pk).first()


def compiled(version: FormVersion) -> CompiledForm:
    """The version compiled for evaluation (cached; published versions by pk)."""
    return compile_version(version)


def forms_of(municipality: Municipality) -> list[FormDefinition]:
    return list(FormDefinition.unscoped.filter(municipality=municipality).order_by("code"))


def versions_of(form: FormDefinition) -> list[FormVersion]:
    return list(FormVersion.unscoped.filter(form=form).order_by("-number"))


def published_procedure_codes(municipality: Municipality) -> frozenset[str]:
    """Catalogue codes that have a published form here (one query; for navigator links).

    A form is bound to a procedure by its foreign key or, before it is linked,
    by the ``"procedure"`` its definition names (as the apply flow finds it).
    """
    rows = FormVersion.unscoped.filter(
        municipality=municipality, status=VersionStatus.PUBLISHED
    ).values_list("form__procedure__code", "definition__procedure")
    codes: set[str] = set()
    for linked, named in rows:
        for code in (linked, named):
            if isinstance(code, str) and code:
                codes.add(code)
    return frozenset(codes)
