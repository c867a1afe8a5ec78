"""The payment provider port (DESIGN §3): what the city needs from a card/QR/e-money acquirer.

Why a port: the city must be able to change acquirer (or use eL-QR later)
without touching the online application, the webhooks or reconciliation. Every
adapter answers the same five questions — open a hosted checkout, tell the
status of a payment, refund, verify a webhook, and ``check()`` for operators —
with the same small dataclasses, and fails with :class:`ProviderError` /
:class:`WebhookRejected` carrying a bilingual message.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class ProviderError(RuntimeError):
    """The provider refused or could not be reached (message: 日本語 / English)."""


class WebhookRejected(ValueError):
    """A webhook that must not be trusted: bad or missing signature, too old, malformed."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason  # "missing_signature", "bad_signature", "expired", "malformed"


@dataclass(frozen=True)
class WebhookEvent:
    """A verified provider notification."""

    event_id: str
    kind: str  # payment.captured, payment.declined, payment.failed, refund.succeeded
    provider_payment_id: str
    reference: str
    merchant: str
    amount_yen: int
    method: str = ""
    created: int = 0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderPayment:
    """What ``retrieve`` says about a checkout or charge: ``status`` captured/declined/failed/open."""

    status: str
    provider_payment_id: str = ""
    amount_yen: int = 0
    method: str = ""
    reference: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    provider_refund_id: str
    amount_yen: int


@dataclass(frozen=True)
class CheckResult:
    """For operators: is the adapter configured and reachable, and what is wrong if not."""

    ok: bool
    messages: list[str] = field(default_factory=list)


class PaymentProvider(abc.ABC):
    """One acquirer. Subclasses set ``code`` and ``name`` and implement every method."""

    code: str = ""
    name: str = ""

    @abc.abstractmethod
    def start_checkout(self, payment: Any, return_url: str) -> str:
        """Open a hosted payment page for ``payment``; returns the URL to send the resident to."""

    @abc.abstractmethod
    def retrieve(self, provider_payment_id: str) -> ProviderPayment:
        """The provider's view of a checkout or charge (a server-to-server, trusted answer)."""

    @abc.abstractmethod
    def refund(self, provider_payment_id: str, amount_yen: int, reason: str) -> ProviderRefund:
        """Return (part of) a captured payment; raises ProviderError when refused."""

    @abc.abstractmethod
    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """Check the signature and freshness of a webhook; raises WebhookRejected."""

    @abc.abstractmethod
    def check(self) -> CheckResult:
        """Whether the adapter is configured and reachable."""
