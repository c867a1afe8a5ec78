"""Resident sign-in pages: the demo My Number card and the e-mail link.

The demo card page plays two roles that stay separate, as they are in life:
``_card_reader`` is the resident's side (the browser hands the challenge to
the card, the card checks the PIN and signs) and ``services.verify`` is the
city's side, the only one that decides. The challenge is issued when the form
is shown, so a form left open past five minutes, or posted twice, is refused
exactly as a real relying party would refuse it, and the tester simply gets a
fresh challenge. Plain HTML forms: no JavaScript needed; a PIN is never echoed
back, everything else the tester chose is kept on an error.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from mado.core.models import Municipality
from mado.identity import services
from mado.identity.base import IdentityError
from mado.identity.jpki import ChallengeData, SignedResponse
from mado.identity.models import DemoCard

PIN_ERRORS = {"wrong_pin", "pin_locked", "bad_pin_format"}


def _municipality(request: HttpRequest) -> Municipality:
    municipality = getattr(request, "municipality", None)
    if municipality is None:
        raise Http404("団体が設定されていません / no municipality is configured")
    return municipality


def _origin(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _next(request: HttpRequest) -> str:
    raw = request.POST.get("next") if request.method == "POST" else request.GET.get("next")
    return services.safe_next_url(request, raw, reverse("identity:index"))


@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "identity/index.html",
        {"identity": services.current_identity(request), "next": _next(request)},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    services.sign_out(request)
    return HttpResponseRedirect(reverse("identity:index"))


# --- My Number card (simulated) ----------------------------------------------------------


def _card_reader(card: DemoCard, pin: str, nonce: str, origin: str) -> SignedResponse:
    """The resident's side: what a card reader / smartphone app would do.

    It knows only what the browser was given (nonce) and the origin it sees;
    it never touches the verifier's stored challenge.
    """
    return services.card_sign(card, pin, ChallengeData(nonce=nonce, origin=origin))


def _render_card(
    request: HttpRequest,
    *,
    status: int = 200,
    errors: dict[str, str] | None = None,
    selected: str = "",
    general: str = "",
) -> HttpResponse:
    municipality = _municipality(request)
    cards = services.demo_cards(municipality)
    challenge = services.start_challenge(origin=_origin(request), municipality=municipality)
    context: dict[str, Any] = {
        "cards": cards,
        "challenge": challenge,
        "errors": errors or {},
        "general_error": general,
        "selected": selected,
        "next": _next(request),
        "demo_pin": services.DEMO_PIN,
        "identity": services.current_identity(request),
    }
    return render(request, "identity/card.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def card(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _render_card(request)
    municipality = _municipality(request)
    selected = request.POST.get("card", "").strip()
    pin = request.POST.get("pin", "")
    errors: dict[str, str] = {}
    chosen = None
    if selected.isdigit():
        chosen = DemoCard.unscoped.filter(municipality=municipality, pk=int(selected)).first()
    if chosen is None:
        errors["card"] = "カードを選んでください。 / Choose a card."
    if not pin.strip():
        errors["pin"] = "暗証番号を入力してください。 / Enter the PIN."
    if errors:
        return _render_card(request, status=400, errors=errors, selected=selected)
    assert chosen is not None
    try:
        response = _card_reader(
            chosen, pin, request.POST.get("nonce", ""), _origin(request)
        )  # resident's side
        identity = services.verify(response, request.POST.get("challenge", ""))  # city's side
    except IdentityError as exc:
        if exc.code in PIN_ERRORS:
            errors["pin"] = exc.message
            return _render_card(request, status=exc.status, errors=errors, selected=selected)
        return _render_card(request, status=exc.status, selected=selected, general=exc.message)
    services.sign_in(request, identity)
    return HttpResponseRedirect(_next(request))


# --- e-mail link -----------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def email_request(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"next": _next(request), "email": "", "errors": {}}
    if request.method != "POST":
        return render(request, "identity/email.html", context)
    address = request.POST.get("email", "").strip()
    context["email"] = address
    try:
        services.send_link(
            address,
            link_url_for=lambda token: request.build_absolute_uri(
                reverse("identity:email_confirm", args=[token])
            ),
            municipality=_municipality(request),
            next_url=context["next"],
        )
    except IdentityError as exc:
        key = "email" if exc.code == "bad_email" else "general"
        context["errors"] = {key: exc.message}
        return render(request, "identity/email.html", context, status=exc.status)
    # The same answer whatever the address: nothing tells whether it was seen before.
    return render(request, "identity/email_sent.html", {"email": address})


@require_http_methods(["GET", "POST"])
def email_confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            identity, next_url = services.redeem(token)
            services.sign_in(request, identity)
            return HttpResponseRedirect(
                services.safe_next_url(request, next_url, reverse("identity:index"))
            )
        data = services.read_link(token)
    except IdentityError as exc:
        return render(request, "identity/email_error.html", {"error": exc.message}, status=400)
    return render(request, "identity/email_confirm.html", {"email": data["address"]})
