"""Staff sign-in in two steps: password, then the authenticator code (or enrolment).

Why the user is not logged in after the password: until the second factor is
checked the session holds only a short-lived "pending" note (user id, backend,
where to go next), so no staff page, API call or admin page is reachable with
the password alone. Each step counts failures into the lockout
(``mado.staff.throttle``) before anything else is checked, and every message is
the same whether or not the account exists. The session key is rotated when
the password is accepted and again at the final login (Django's ``login``).

Accounts without a device sign in with the password alone unless
``MADO_REQUIRE_2FA`` is on (production); then they enrol on the spot.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from mado.core import audit
from mado.core.middleware import municipality_for_host
from mado.core.security import client_ip
from mado.staff import throttle, twofactor
from mado.staff.forms import StaffAuthenticationForm, TwoFactorCodeForm

PENDING = "mado_2fa_pending"
VERIFIED = "mado_2fa"  # "totp" or "none": how this session's sign-in was completed
PENDING_SECONDS = 300
TWO_FACTOR_FAILED = "two_factor_failed"


def locked_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return _(
        "ログインの失敗が続いたため、一時的にログインできません。%(minutes)d分後にもう一度お試しください"
        " / Too many failed sign-ins. Please try again in %(minutes)d minute(s)."
    ) % {"minutes": minutes}


def _site_municipality(request: HttpRequest) -> Any:
    current = getattr(request, "municipality", None)
    return current if current is not None else municipality_for_host(request.get_host())


def _safe_next(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("staff:home")


class StaffLoginView(LoginView):
    """Step 1: the password, behind the lockout."""

    template_name = "staff/login.html"
    authentication_form = StaffAuthenticationForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("municipality", _site_municipality(self.request))
        return context

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = str(request.POST.get("username", ""))[:150]
        wait = throttle.seconds_locked(username, client_ip(request))
        if wait:
            # Unbound: checking the password now would tell whether it was right.
            form = self.get_form_class()(request, initial={"username": username})
            return self._locked(form, wait)
        return super().post(request, *args, **kwargs)

    def _locked(self, form: Any, wait: int) -> HttpResponse:
        context = self.get_context_data(form=form, locked=locked_message(wait))
        response = self.render_to_response(context, status=429)
        response["Retry-After"] = str(wait)
        return response

    def form_invalid(self, form: Any) -> HttpResponse:
        username = str(self.request.POST.get("username", ""))[:150]
        ip = client_ip(self.request)
        if throttle.register_failure(username, ip, self.request, stage="password"):
            return self._locked(form, throttle.seconds_locked(username, ip))
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        user = form.get_user()
        if not twofactor.is_enrolled(user) and not twofactor.required():
            return complete_login(self.request, user, "none", self.get_success_url())
        request = self.request
        request.session.cycle_key()  # the password step is a privilege change too
        request.session[PENDING] = {
            "uid": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        if twofactor.is_enrolled(user):
            return redirect("staff:login_verify")
        return redirect("staff:twofactor_enrol")


def complete_login(request: HttpRequest, user: Any, method: str, next_url: str) -> HttpResponse:
    """The final login: session rotated, audited (signal), failures forgotten."""
    request.session.pop(PENDING, None)
    auth_login(request, user)
    request.session[VERIFIED] = method
    throttle.clear_account(user.get_username())
    return HttpResponseRedirect(_safe_next(request, next_url))


def pending_user(request: HttpRequest) -> tuple[Any, dict[str, Any]] | tuple[None, None]:
    """The user who passed the password step in this session in the last 5 minutes."""
    note = request.session.get(PENDING)
    if not isinstance(note, dict) or time.time() - float(note.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model().objects.filter(pk=note.get("uid"), is_active=True).first()
    if user is None:
        return None, None
    user.backend = note.get("backend", "")
    return user, note


def _start_over(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        _(
            "時間が経ったため、もう一度ユーザー名とパスワードを入力してください"
            " / Please sign in again: the previous step has expired."
        ),
    )
    return redirect("staff:login")


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_verify(request: HttpRequest) -> HttpResponse:
    """Step 2: the 6-digit code from the authenticator app, or a recovery code."""
    user, note = pending_user(request)
    if user is None or note is None:
        return _start_over(request)
    device = twofactor.device_of(user)
    if device is None:
        return redirect("staff:twofactor_enrol")
    form = TwoFactorCodeForm(request.POST or None)
    context = {"form": form, "municipality": _site_municipality(request)}
    if request.method != "POST":
        return render(request, "staff/login_verify.html", context)
    ip = client_ip(request)
    wait = throttle.seconds_locked(user.get_username(), ip)
    if wait:
        context["locked"] = locked_message(wait)
        response = render(request, "staff/login_verify.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response
    if form.is_valid():
        code = form.cleaned_data["code"]
        if twofactor.verify_code(device, code):
            return complete_login(request, user, "totp", note.get("next", ""))
        if twofactor.use_recovery_code(user, code):
            audit.record(
                "recovery_code_used",
                user=None,
                actor=user.get_username(),
                municipality=_staff_municipality(user),
                target_type="user",
                target_id=user.pk,
                detail={"ip": ip, "remaining": twofactor.remaining_recovery_codes(user)},
            )
            return complete_login(request, user, "totp", note.get("next", ""))
        form.add_error(
            "code",
            _("コードが正しくありません / The code is not correct."),
        )
        audit.record(
            TWO_FACTOR_FAILED,
            actor=user.get_username(),
            municipality=_staff_municipality(user),
            target_type="user",
            target_id=user.pk,
            detail={"ip": ip},
        )
        if throttle.register_failure(user.get_username(), ip, request, stage="totp"):
            request.session.pop(PENDING, None)
            context["locked"] = locked_message(throttle.seconds_locked(user.get_username(), ip))
            return render(request, "staff/login_verify.html", context, status=429)
    return render(request, "staff/login_verify.html", context, status=400)


def _staff_municipality(user: Any) -> Any:
    profile = getattr(user, "staff_profile", None)
    return profile.municipality if profile is not None else None


def admin_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's own login page is replaced by the staff sign-in (one door, one lockout)."""
    target = str(request.GET.get("next", "") or reverse("admin:index"))
    return redirect(reverse("staff:login") + "?" + urlencode({"next": target}))
