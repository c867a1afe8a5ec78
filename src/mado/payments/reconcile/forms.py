"""Forms of the reconciliation pages: upload a file, resolve an exception, pick a month."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from mado.payments.reconcile.models import Resolution


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("収納データファイル（CSV）"),
        help_text=_("決済代行事業者の精算明細、または金融機関・eL-QR 形式の収納データ。"
                    "UTF-8 または Shift_JIS。"),
        error_messages={"required": _("ファイルを選んでください / please choose a file"),
                        "empty": _("ファイルが空です / the file is empty")},
    )
    provider = forms.CharField(
        label=_("決済事業者コード（精算明細のとき）"), max_length=40, required=False,
        initial="sandbox",
        help_text=_("精算明細の取引IDを、この事業者の取引として記録します。"),
    )

    def clean_provider(self) -> str:
        value = (self.cleaned_data.get("provider") or "").strip()
        if value and not re.fullmatch(r"[a-z0-9_\-]{1,40}", value):
            raise forms.ValidationError(_("英小文字・数字・-_ で入力してください / "
                                          "use lower-case letters, digits, - and _"))
        return value or "sandbox"


class ResolveForm(forms.Form):
    action = forms.ChoiceField(label=_("処理"), choices=Resolution.choices,
                               widget=forms.RadioSelect,
                               error_messages={"required": _("処理を選んでください / choose an action")})
    reference = forms.CharField(
        label=_("消込先の収納番号（「別の収納番号に消込」のとき）"), max_length=40, required=False)
    note = forms.CharField(label=_("メモ（理由）"), widget=forms.Textarea(attrs={"rows": 3}),
                           max_length=2000,
                           error_messages={"required": _("メモを書いてください / please write a note")})

    def clean(self) -> dict:
        data = super().clean()
        if data.get("action") == Resolution.MATCH and not (data.get("reference") or "").strip():
            self.add_error("reference", _("収納番号を入力してください / enter the reference"))
        return data


class MonthForm(forms.Form):
    month = forms.RegexField(
        label=_("対象月"), regex=r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
        error_messages={"invalid": _("YYYY-MM の形で入力してください / use YYYY-MM")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
