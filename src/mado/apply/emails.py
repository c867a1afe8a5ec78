"""E-mails of the apply flow: the resume link of a saved draft, and the confirmation.

Why plain text through Django's ``send_mail``: every municipal mail system
accepts it, the backend is configured once (SMTP in production, the console
in development, ``locmem`` in tests), and the message holds only what the
resident needs — never the answers themselves (a mailbox is not a safe place
for personal data), only the receipt number and where to see the status.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.http import HttpRequest
from django.urls import reverse


def valid_address(address: str) -> bool:
    try:
        validate_email(address)
    except ValidationError:
        return False
    return len(address) <= 254


def _city(request: HttpRequest) -> str:
    municipality = getattr(request, "municipality", None)
    return municipality.name if municipality is not None else "Mado"


def send_resume_link(request: HttpRequest, address: str, title: str, token: str) -> None:
    """The link that reopens a saved draft (valid 30 days from the last save)."""
    url = request.build_absolute_uri(reverse("eforms:resume", args=[token]))
    city = _city(request)
    body = (
        f"{city}の電子申請「{title}」の入力内容を保存しました。\n"
        f"次のリンクから続きを入力できます（最後に保存した日から30日間有効です）。\n\n{url}\n\n"
        "このリンクを知っている人は入力内容を見ることができます。他の人に知らせないでください。\n"
        "心当たりのない場合は、このメールを削除してください。\n\n"
        f"Your application \"{title}\" has been saved. Continue it with the link above"
        " (valid for 30 days from the last save). Do not share the link.\n"
    )
    send_mail(f"【{city}】申請の続きのご案内 / Continue your application", body,
              settings.DEFAULT_FROM_EMAIL, [address])


def send_confirmation(request: HttpRequest, submission: Any, title: str) -> bool:
    """受付のお知らせ with the receipt number; False when there is no address to send to."""
    address = submission.applicant_email or _answer_email(submission.data)
    if not address or not valid_address(address):
        return False
    city = _city(request)
    my_url = request.build_absolute_uri(reverse("my:index"))
    body = (
        f"{city}の電子申請「{title}」を受け付けました。\n\n"
        f"受付番号: {submission.receipt_number}\n\n"
        "お問い合わせの際は受付番号をお知らせください。\n"
        f"申請の状況は次のページで確認できます（本人確認が必要です）。\n{my_url}\n\n"
        f"We have received your application \"{title}\". Receipt number:"
        f" {submission.receipt_number}. See its status at the address above.\n"
    )
    send_mail(f"【{city}】申請を受け付けました（受付番号 {submission.receipt_number}）"
              " / Application received", body, settings.DEFAULT_FROM_EMAIL, [address])
    return True


def _answer_email(data: Any) -> str:
    if not isinstance(data, dict):
        return ""
    for value in data.values():
        if isinstance(value, str) and "@" in value and valid_address(value):
            return value
    return ""
