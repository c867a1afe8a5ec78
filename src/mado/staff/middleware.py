"""Enforce the second factor on every signed-in session when ``MADO_REQUIRE_2FA`` is on.

Why a middleware besides the sign-in flow: a session may predate the setting
(2FA switched on after people signed in), or be created by another door (a
management command, a test helper, a future SSO adapter). When 2FA is
required, a session whose sign-in did not finish with a code is signed out and
sent to the sign-in page, whatever page it asked for. When not required the
check costs nothing (enrolled accounts are held to their code at sign-in).
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from mado.staff import twofactor
from mado.staff.login_views import VERIFIED

EXEMPT_PREFIXES = ("/staff/login/", "/staff/twofactor/enrol/", "/static/", "/i18n/")


class TwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if twofactor.required() and not request.path.startswith(EXEMPT_PREFIXES):
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                if request.session.get(VERIFIED) != "totp":
                    logout(request)
                    return redirect("staff:login")
        return self.get_response(request)
