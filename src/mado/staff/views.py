"""Staff shell views: sign-in, department home, registry search and detail, audit log.

Every staff page needs a signed-in user *with a StaffProfile*: the profile is
what binds a person to one municipality, and the tenant middleware scopes all
queries by it. A superuser without a profile works across municipalities and
belongs in /admin/, so they are sent there instead of seeing an empty shell.
Personal data is read only through ``mado.registry.services`` (which audits);
pages that show it are never cached.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from mado.core import audit
from mado.core.audit import Action
from mado.core.middleware import municipality_for_host
from mado.core.services import can_read_my_number
from mado.registry import my_number as mn
from mado.registry import services as registry
from mado.registry.models import ResidentRecord
from mado.staff import services
from mado.staff.forms import ResidentSearchForm, RevealMyNumberForm
from mado.staff.login_views import StaffLoginView  # noqa: F401  (kept importable from here)

View = Callable[..., HttpResponse]

ELIGIBILITY_FIELDS = [
    "national_health_insurance",
    "late_elderly_insurance",
    "long_term_care_insurance",
    "national_pension_type1",
    "child_allowance",
]

AUDIT_LIMIT = 200


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    """The 403 page with a bilingual explanation."""
    return render(request, "403.html", {"message": message}, status=403)


def staff_required(view: View) -> View:
    """Signed in and holding a StaffProfile; superusers without one go to /admin/."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if getattr(user, "staff_profile", None) is None:
            if user.is_superuser:
                messages.info(
                    request,
                    _(
                        "職員プロフィールがないため、管理画面を表示しました"
                        " / You have no staff profile, so the admin site is shown."
                    ),
                )
                return redirect("admin:index")
            return forbidden(
                request,
                _(
                    "職員として登録されていません。管理者に連絡してください"
                    " / You are not registered as staff. Please contact your administrator."
                ),
            )
        return view(request, *args, **kwargs)

    return wrapped


def _site_municipality(request: HttpRequest) -> Any:
    current = getattr(request, "municipality", None)
    return current if current is not None else municipality_for_host(request.get_host())


@staff_required
def home(request: HttpRequest) -> HttpResponse:
    identity = services.staff_identity(request.user)
    return render(
        request,
        "staff/home.html",
        {
            "me": identity,
            "counts": services.registry_counts(request.municipality),
            "search_form": ResidentSearchForm(),
        },
    )


def _row(resident: ResidentRecord, today: Any) -> dict[str, Any]:
    return {"resident": resident, "age": registry.age_on(resident.birth_date, today)}


@staff_required
@never_cache
def resident_search(request: HttpRequest) -> HttpResponse:
    form = ResidentSearchForm(request.GET if request.GET else None)
    rows: list[dict[str, Any]] | None = None
    error = ""
    status = 200
    if form.is_bound:
        if not form.is_valid():
            status = 400
        elif form.has_query():
            q = form.cleaned_data["q"].strip()
            birth_date = form.cleaned_data["birth_date"].strip() or None
            try:
                found = registry.search_residents(
                    request.municipality, q, birth_date, user=request.user
                )
            except registry.QueryError as exc:
                error = str(exc)
                status = 400
            else:
                today = timezone.localdate()
                rows = [_row(r, today) for r in found]
    return render(
        request,
        "staff/resident_search.html",
        {
            "form": form,
            "rows": rows,
            "error": error,
            "limit": 50,
            "limit_reached": rows is not None and len(rows) >= 50,
        },
        status=status,
    )


@staff_required
@never_cache
def resident_detail(request: HttpRequest, resident_id: int) -> HttpResponse:
    resident = registry.get_resident(request.municipality, resident_id, user=request.user)
    if resident is None:
        raise Http404(_("該当する住民は見つかりません / No such resident."))
    may_reveal = can_read_my_number(request.user)
    form = RevealMyNumberForm()
    revealed: str | None = None
    status = 200
    if request.method == "POST":
        form = RevealMyNumberForm(request.POST)
        valid = form.is_valid()
        if not may_reveal:
            # Still go through the service so the refused attempt is audited.
            reason = form.cleaned_data.get("reason", "") if valid else ""
            try:
                registry.reveal_my_number(
                    resident, user=request.user, reason=reason or "(理由未入力 / no reason)"
                )
            except PermissionDenied:
                pass
            return forbidden(
                request,
                _(
                    "個人番号を閲覧する権限がありません(個人番号事務取扱担当者のみ)"
                    " / You are not allowed to read My Numbers (designated staff only)."
                ),
            )
        if valid:
            try:
                revealed = registry.reveal_my_number(
                    resident, user=request.user, reason=form.cleaned_data["reason"]
                )
            except PermissionDenied as exc:
                return forbidden(request, str(exc))
        else:
            status = 400
    today = timezone.localdate()
    household = [_row(m, today) for m in registry.household_members(resident)]
    eligibility = [
        (ResidentRecord._meta.get_field(name).verbose_name, getattr(resident, name))
        for name in ELIGIBILITY_FIELDS
    ]
    return render(
        request,
        "staff/resident_detail.html",
        {
            "resident": resident,
            "age": registry.age_on(resident.birth_date, today),
            "household": household,
            "eligibility": eligibility,
            "tax": registry.latest_tax_summary(resident),
            "masked_number": mn.mask(resident.has_my_number),
            "may_reveal": may_reveal,
            "reveal_form": form,
            "revealed": revealed,
        },
        status=status,
    )


ACTION_LABELS = {
    Action.READ: gettext_lazy("閲覧"),
    Action.SEARCH: gettext_lazy("検索"),
    Action.READ_MY_NUMBER: gettext_lazy("個人番号の閲覧"),
    Action.CREATE: gettext_lazy("作成"),
    Action.UPDATE: gettext_lazy("変更"),
    Action.DELETE: gettext_lazy("削除"),
    Action.IMPORT: gettext_lazy("取込"),
    Action.EXPORT: gettext_lazy("出力"),
    Action.LOGIN: gettext_lazy("ログイン"),
    Action.LOGIN_FAILED: gettext_lazy("ログイン失敗"),
    Action.LOGOUT: gettext_lazy("ログアウト"),
    Action.TOKEN_ISSUED: gettext_lazy("トークン発行"),
    "login_locked": gettext_lazy("ログインのロック"),
    "two_factor_failed": gettext_lazy("確認コードの誤り"),
    "two_factor_enrolled": gettext_lazy("二要素認証の登録"),
    "two_factor_disabled": gettext_lazy("二要素認証の解除"),
    "recovery_code_used": gettext_lazy("リカバリーコードの使用"),
    "recovery_codes_renewed": gettext_lazy("リカバリーコードの再発行"),
    Action.SEED: gettext_lazy("体験データ作成"),
}


@staff_required
@never_cache
def audit_log(request: HttpRequest) -> HttpResponse:
    identity = services.staff_identity(request.user)
    if not identity.can_view_audit:
        return forbidden(
            request,
            _(
                "監査ログは住民記録管理者または所属長のみ閲覧できます"
                " / Only registry administrators and managers may view the audit log."
            ),
        )
    entries = audit.recent(request.municipality, AUDIT_LIMIT)
    for e in entries:
        e.action_label = ACTION_LABELS.get(e.action, e.action)
        e.granted_label = ""
        if e.action == Action.READ_MY_NUMBER:
            e.granted_label = _("許可") if e.detail.get("granted") else _("拒否")
    return render(request, "staff/audit.html", {"entries": entries, "limit": AUDIT_LIMIT})


def public_home(request: HttpRequest) -> HttpResponse:
    return render(request, "staff/public_home.html", {"municipality": _site_municipality(request)})
