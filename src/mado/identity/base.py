"""The identity port: what every way of proving who a resident is must provide.

DESIGN §3: anything outside the city hall is a port with a typed registry of
adapters, each with a ``check()`` that tells an operator whether it is
configured and reachable. Adapters today: the e-mail link (level ``email``)
and the JPKI card simulator (level ``card``); a real デジタル認証アプリ or
JPKI relying-party adapter would register here under the same contract, and
nothing above this port (forms, submissions) would change.

A verified identity is a plain dict (it is kept in the session and copied into
submissions) with the keys of :class:`VerifiedIdentity`; the card attributes
(name, birth_date, sex, address) come only from a verified certificate.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar, Literal, TypedDict

Level = Literal["none", "email", "card"]
LEVELS: tuple[Level, ...] = ("none", "email", "card")


class VerifiedIdentity(TypedDict):
    level: Level
    name: str
    birth_date: str  # ISO YYYY-MM-DD, "" when the adapter does not know it
    sex: str  # "M" / "F" / ""
    address: str
    email: str
    subject: str  # card certificate serial, or the e-mail address
    resident_id: int | None
    municipality: str  # 団体コード the identity was verified for ("" if none)


# Attributes a card-level identity carries from the certificate; forms lock them.
CARD_ATTRIBUTES = ("name", "birth_date", "sex", "address")


def empty_identity(level: Level, subject: str, **values: object) -> VerifiedIdentity:
    identity: VerifiedIdentity = {
        "level": level,
        "name": "",
        "birth_date": "",
        "sex": "",
        "address": "",
        "email": "",
        "subject": subject,
        "resident_id": None,
        "municipality": "",
    }
    identity.update(values)  # type: ignore[typeddict-item]
    return identity


def level_at_least(identity: VerifiedIdentity | None, required: str) -> bool:
    """True when ``identity`` is at least ``required`` ("none" < "email" < "card")."""
    have = identity["level"] if identity else "none"
    if required not in LEVELS:
        raise ValueError(f"unknown identity level: {required!r}")
    return LEVELS.index(have) >= LEVELS.index(required)  # type: ignore[arg-type]


# code -> (日本語, English). Japanese first, as everywhere on the resident site.
MESSAGES: dict[str, tuple[str, str]] = {
    "expired": (
        "この電子証明書は有効期限が切れています。市区町村の窓口で更新してください。",
        "This certificate has expired; renew it at your municipal office.",
    ),
    "not_yet_valid": (
        "この電子証明書はまだ有効期間が始まっていません。",
        "This certificate is not valid yet.",
    ),
    "revoked": (
        "この電子証明書は失効しています(カードの紛失・廃止など)。窓口にお問い合わせください。",
        "This certificate has been revoked (lost or cancelled card). Please contact the office.",
    ),
    "unknown_ca": (
        "このカードの電子証明書は、信頼できる認証局が発行したものではありません。",
        "This card's certificate was not issued by a trusted certification authority.",
    ),
    "bad_certificate": (
        "電子証明書の内容が正しくありません(改ざんされている可能性があります)。",
        "The certificate is not valid (it may have been altered).",
    ),
    "key_usage": (
        "この電子証明書は署名に使うことができません。",
        "This certificate may not be used for signing.",
    ),
    "bad_signature": (
        "署名を確認できませんでした。もう一度お試しください。",
        "The signature could not be verified. Please try again.",
    ),
    "stale_crl": (
        "失効情報が最新ではないため、確認できません。しばらくしてからお試しください。",
        "Revocation information is out of date; please try again later.",
    ),
    "challenge_unknown": (
        "確認の手続が見つかりません。最初からやり直してください。",
        "This sign-in attempt was not found. Please start again.",
    ),
    "challenge_expired": (
        "確認の有効時間(5分)が過ぎました。もう一度お試しください。",
        "The sign-in attempt expired (5 minutes). Please try again.",
    ),
    "challenge_reused": (
        "この確認はすでに使われています。もう一度お試しください。",
        "This sign-in attempt has already been used. Please try again.",
    ),
    "wrong_pin": (
        "署名用電子証明書の暗証番号が違います。",
        "The signature PIN is incorrect.",
    ),
    "pin_locked": (
        "暗証番号を5回続けて間違えたため、カードがロックされています。市区町村の窓口で初期化してください。",
        "The card is locked after five wrong PINs; have it reset at your municipal office.",
    ),
    "bad_pin_format": (
        "署名用電子証明書の暗証番号は、英数字6〜16文字です。",
        "The signature PIN has 6 to 16 letters and digits.",
    ),
    "malformed": (
        "カードからの応答を読み取れませんでした。",
        "The card's response could not be read.",
    ),
    "link_invalid": (
        "このリンクは正しくありません。メールのリンクをもう一度確かめてください。",
        "This link is not valid. Please check the link in your e-mail.",
    ),
    "link_expired": (
        "このリンクの有効期限(30分)が切れています。もう一度メールを送ってください。",
        "This link has expired (30 minutes). Please request a new e-mail.",
    ),
    "link_used": (
        "このリンクはすでに使われています。もう一度メールを送ってください。",
        "This link has already been used. Please request a new e-mail.",
    ),
    "rate_limited": (
        "送信の回数が多すぎます。1時間ほどしてからお試しください。",
        "Too many requests. Please try again in about an hour.",
    ),
    "bad_email": (
        "メールアドレスの形式が正しくありません。",
        "Enter a valid e-mail address.",
    ),
}

# Failures that are the user's to fix (400) vs. refusals of the credential (403).
USER_ERRORS = frozenset(
    {
        "wrong_pin",
        "bad_pin_format",
        "bad_email",
        "challenge_unknown",
        "challenge_expired",
        "challenge_reused",
        "link_invalid",
        "link_expired",
        "link_used",
    }
)


class IdentityError(Exception):
    """A refused identity proof; ``code`` is stable, the message bilingual."""

    def __init__(self, code: str, detail_ja: str = "", detail_en: str = "") -> None:
        self.code = code
        ja, en = MESSAGES.get(code, ("本人確認に失敗しました。", "Identity check failed."))
        self.message_ja = ja + (f"({detail_ja})" if detail_ja else "")
        self.message_en = en + (f" ({detail_en})" if detail_en else "")
        super().__init__(f"{self.message_ja} / {self.message_en}")

    @property
    def message(self) -> str:
        return str(self)

    @property
    def status(self) -> int:
        if self.code == "rate_limited":
            return 429
        return 400 if self.code in USER_ERRORS else 403


@dataclass(frozen=True)
class AdapterStatus:
    """What ``check()`` tells an operator about one adapter."""

    key: str
    label: str
    configured: bool
    detail: str
    simulated: bool = False


class IdentityProvider(abc.ABC):
    """One way of proving identity (an adapter of the identity port)."""

    key: ClassVar[str]
    level: ClassVar[Level]
    label: ClassVar[str]
    simulated: ClassVar[bool] = False

    @abc.abstractmethod
    def start_url_name(self) -> str:
        """URL name of the page where a resident starts this method."""

    @abc.abstractmethod
    def check(self) -> AdapterStatus:
        """Whether the adapter is configured (and, where it can tell, reachable)."""


class ProviderRegistry:
    """The typed registry of identity adapters, keyed by ``IdentityProvider.key``."""

    def __init__(self) -> None:
        self._providers: dict[str, IdentityProvider] = {}

    def register(self, provider: IdentityProvider) -> IdentityProvider:
        if not isinstance(provider, IdentityProvider):
            raise TypeError("an IdentityProvider is required")
        if provider.level not in LEVELS:
            raise ValueError(f"unknown level {provider.level!r}")
        self._providers[provider.key] = provider
        return provider

    def get(self, key: str) -> IdentityProvider:
        try:
            return self._providers[key]
        except KeyError:
            raise KeyError(f"no identity adapter {key!r}") from None

    def all(self) -> list[IdentityProvider]:
        return list(self._providers.values())

    def check(self) -> list[AdapterStatus]:
        return [p.check() for p in self._providers.values()]


registry = ProviderRegistry()
