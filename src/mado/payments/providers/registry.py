"""Payment providers by code; ``settings.MADO_PAYMENT_PROVIDER`` (default "sandbox") picks one.

A typed registry rather than import strings in settings: an unknown code is a
clear error at start-up of a payment, and tests can register a fake.
"""

from __future__ import annotations

from django.conf import settings

from mado.payments.providers.base import PaymentProvider, ProviderError

_PROVIDERS: dict[str, type[PaymentProvider]] = {}


def register(cls: type[PaymentProvider]) -> type[PaymentProvider]:
    """Class decorator: make a provider available under its ``code``."""
    if not cls.code:
        raise ValueError("a provider needs a code")
    _PROVIDERS[cls.code] = cls
    return cls


def _load_builtin() -> None:
    from mado.payments.providers.contrib.sandbox import provider  # noqa: F401


def codes() -> list[str]:
    _load_builtin()
    return sorted(_PROVIDERS)


def get(code: str) -> PaymentProvider:
    """The provider registered under ``code``; ProviderError if there is none."""
    _load_builtin()
    cls = _PROVIDERS.get(code)
    if cls is None:
        raise ProviderError(f"決済事業者「{code}」は設定されていません / unknown payment provider {code!r}")
    return cls()


def default_code() -> str:
    return str(getattr(settings, "MADO_PAYMENT_PROVIDER", "") or "sandbox")


def default() -> PaymentProvider:
    return get(default_code())
