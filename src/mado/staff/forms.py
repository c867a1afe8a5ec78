"""Forms of the staff shell: sign-in, registry search, the reason for reading a 個人番号.

Error messages are bilingual (Japanese first) because the same deployment is
used by staff who read either language; the search form keeps whatever was
typed so a clerk never has to enter a query twice.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class StaffAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _(
            "ユーザー名またはパスワードが正しくありません。大文字と小文字は区別されます"
            " / The username or password is incorrect. Both are case-sensitive."
        ),
        "inactive": _("このアカウントは利用停止されています / This account is inactive."),
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("ユーザー名")
        self.fields["password"].label = _("パスワード")
        # No autofocus: keyboard and screen-reader users start at the skip link and
        # hear the page's heading and instructions before the first field.
        self.fields["username"].widget.attrs.pop("autofocus", None)


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("氏名(漢字・かな・ローマ字)"),
        required=False,
        max_length=100,
        help_text=_("例: 高橋 太郎、たかはし、takahashi"),
    )
    birth_date = forms.CharField(
        label=_("生年月日"),
        required=False,
        max_length=40,
        help_text=_("例: 1980-04-01、昭和55年4月1日、S55.4.1"),
    )

    def has_query(self) -> bool:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return bool((data.get("q") or "").strip() or (data.get("birth_date") or "").strip())


REASON_REQUIRED = _("閲覧の理由を入力してください / Please enter the reason.")


class RevealMyNumberForm(forms.Form):
    reason = forms.CharField(
        label=_("閲覧の理由"),
        max_length=300,
        help_text=_("例: 児童手当の認定請求の審査のため"),
        error_messages={
            "required": REASON_REQUIRED,
        },
    )

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(REASON_REQUIRED)
        return reason


class TwoFactorCodeForm(forms.Form):
    """The 6-digit authenticator code, or a recovery code (XXXX-XXXX-XXXX-XXXX)."""

    code = forms.CharField(
        label=_("確認コード"),
        max_length=40,
        help_text=_(
            "認証アプリに表示された6桁の数字。スマートフォンがないときはリカバリーコード"
            " / The 6-digit code from your authenticator app, or a recovery code."
        ),
        error_messages={"required": _("コードを入力してください / Please enter the code.")},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"}
        )
