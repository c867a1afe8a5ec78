"""Enrolment of an authenticator app, and the staff member's own 2FA settings page.

Enrolment serves two people: a signed-in member who turns two-factor sign-in
on, and a member in the middle of signing in when ``MADO_REQUIRE_2FA`` is on
and no device exists yet (then the page finishes the sign-in). The QR code is
an inline SVG made on the server (no image request, no script) and the secret
is printed beside it for apps that cannot scan. Recovery codes are shown once,
on the response that creates them, and never again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from mado.core import audit
from mado.core.security import client_ip
from mado.staff import throttle, twofactor
from mado.staff.forms import TwoFactorCodeForm
from mado.staff.login_views import PENDING, VERIFIED, _safe_next, locked_message, pending_user

WRONG_CODE = gettext_lazy(
    "コードが正しくありません。時刻のずれがないか確かめて、新しいコードを入力してください"
    " / The code is not correct. Check the phone's clock and enter a new code."
)


def _enrolling_user(request: HttpRequest) -> tuple[Any, dict[str, Any] | None]:
    if request.user.is_authenticated:
        return request.user, None
    user, note = pending_user(request)
    return user, note


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def enrol(request: HttpRequest) -> HttpResponse:
    user, note = _enrolling_user(request)
    if user is None:
        return redirect("staff:login")
    if twofactor.is_enrolled(user):
        return redirect("staff:twofactor" if note is None else "staff:login_verify")
    device = twofactor.pending_device(user) or twofactor.start_enrolment(user)
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        ip = client_ip(request)
        wait = throttle.seconds_locked(user.get_username(), ip)
        if wait:
            messages.error(request, locked_message(wait))
            request.session.pop(PENDING, None)
            return redirect("staff:login")
        codes = None
        if form.is_valid():
            codes = twofactor.confirm_enrolment(device, form.cleaned_data["code"])
        if codes is not None:
            audit.record(
                "two_factor_enrolled",
                actor=user.get_username(),
                municipality=_municipality(user),
                target_type="user",
                target_id=user.pk,
                detail={"ip": ip},
            )
            next_url = reverse_next(request, note)
            if note is not None:  # finishing a sign-in
                request.session.pop(PENDING, None)
                auth_login(request, user)
                throttle.clear_account(user.get_username())
            request.session[VERIFIED] = "totp"
            return render(
                request,
                "staff/twofactor_recovery.html",
                {"codes": codes, "next_url": next_url, "new_device": True},
            )
        if form.is_valid():
            form.add_error("code", WRONG_CODE)
            throttle.register_failure(user.get_username(), ip, request, stage="enrol")
        status = 400
    username = user.get_username()
    return render(
        request,
        "staff/twofactor_enrol.html",
        {
            "form": form,
            "qr": twofactor.qr_svg(device, username, _("認証アプリ登録用のQRコード")),
            "secret": twofactor.secret_text(device),
            "username": username,
            "signing_in": note is not None,
            "required": twofactor.required(),
        },
        status=status,
    )


def reverse_next(request: HttpRequest, note: dict[str, Any] | None) -> str:
    if note is None:
        return _safe_next(request, "")
    return _safe_next(request, str(note.get("next", "")))


def _municipality(user: Any) -> Any:
    profile = getattr(user, "staff_profile", None)
    return profile.municipality if profile is not None else None


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def settings_page(request: HttpRequest) -> HttpResponse:
    """Status, new recovery codes, or switching off (when not required); a code confirms."""
    if not request.user.is_authenticated:
        return redirect("staff:login")
    user = request.user
    device = twofactor.device_of(user)
    form = TwoFactorCodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and device is not None:
        action = request.POST.get("action", "")
        if form.is_valid() and twofactor.verify_code(device, form.cleaned_data["code"]):
            if action == "recovery":
                codes = twofactor.new_recovery_codes(user)
                audit.record("recovery_codes_renewed", user=user, target_type="user",
                             target_id=user.pk, municipality=_municipality(user))
                return render(request, "staff/twofactor_recovery.html",
                              {"codes": codes, "next_url": _safe_next(request, ""),
                               "new_device": False})
            if action == "disable" and not twofactor.required():
                twofactor.disable(user)
                audit.record("two_factor_disabled", user=user, target_type="user",
                             target_id=user.pk, municipality=_municipality(user))
                request.session[VERIFIED] = "none"
                messages.success(request, _("二要素認証を解除しました / Two-factor sign-in is off."))
                return redirect("staff:twofactor")
        elif form.is_valid():
            form.add_error("code", WRONG_CODE)
            throttle.register_failure(user.get_username(), client_ip(request), request,
                                      stage="settings")
        status = 400
    return render(
        request,
        "staff/twofactor_settings.html",
        {
            "form": form,
            "device": device,
            "remaining": twofactor.remaining_recovery_codes(user) if device else 0,
            "required": twofactor.required(),
        },
        status=status,
    )
