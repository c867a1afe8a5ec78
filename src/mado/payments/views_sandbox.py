"""The sandbox acquirer's hosted payment page at /sandbox/pay/<checkout id>/ (テスト環境).

It stands for the page a real acquirer hosts on its own domain: the city
never sees the card number. A plain form (no JavaScript): choose the method,
type the card (for card), pay. Field errors re-render the page with a 400 and
what was typed (except the security code, as real payment pages do); the
outcome — approved, declined, timed out — goes to the city as a signed
webhook, then the browser returns to the city's page.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from mado.payments.providers.contrib.sandbox import acquirer

METHOD_CHOICES = [
    ("card", "クレジットカード / Credit card"),
    ("emoney", "電子マネー / E-money"),
    ("qr", "QRコード決済 / QR code payment"),
    ("bank", "ペイジー（銀行） / Pay-easy (bank)"),
]


def _back(checkout: acquirer.SandboxCheckout) -> str:
    sep = "&" if "?" in checkout.return_url else "?"
    return f"{checkout.return_url}{sep}{urlencode({'checkout': checkout.checkout_id})}"


def _closed(request: HttpRequest, exc: acquirer.SandboxError, checkout_id: str) -> HttpResponse:
    checkout = acquirer.SandboxCheckout.objects.filter(checkout_id=checkout_id).first()
    status = {"not_found": 404, "expired": 410}.get(exc.code, 409)
    return render(request, "payments/sandbox/closed.html", {
        "message": str(exc), "back_url": _back(checkout) if checkout else "",
    }, status=status)


@require_http_methods(["GET", "POST"])
def checkout(request: HttpRequest, checkout_id: str) -> HttpResponse:
    try:
        session = acquirer.open_checkout(checkout_id)
    except acquirer.SandboxError as exc:
        return _closed(request, exc, checkout_id)
    values = {"method": "card", "card_number": "", "expiry": "", "name": ""}
    errors: dict[str, str] = {}
    if request.method == "POST":
        if request.POST.get("_action") == "cancel":
            return HttpResponseRedirect(_back(session))
        values = {k: request.POST.get(k, "")[:100] for k in values}
        try:
            outcome = acquirer.pay(session, values["method"], card_number=values["card_number"],
                                   expiry=values["expiry"], cvc=request.POST.get("cvc", "")[:10])
        except acquirer.SandboxError as exc:
            return _closed(request, exc, checkout_id)
        if outcome.charge is not None:
            return HttpResponseRedirect(_back(session))
        errors = outcome.errors
    return render(request, "payments/sandbox/checkout.html", {
        "checkout": session, "values": values, "errors": errors, "methods": METHOD_CHOICES,
        "error_list": list(errors.items()),
    }, status=400 if errors else 200)
