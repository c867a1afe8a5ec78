"""Django forms of the staff form builder (server-rendered, no JavaScript).

Why Django forms here although the resident side renders fields by hand:
the builder's own inputs are a fixed, small set (a label, a type, a rule…),
so Django's forms give labels, required checks, kept input and per-field
errors for free. Which properties a field edit form offers depends on the
field's type (choices only for choice fields, accept/max_size only for
files…), decided in :class:`FieldEditForm`. ``aria-describedby`` ties each
input to its help text and its error, both rendered by ``_input.html``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mado.eforms.builder import ACTION_CHOICES, FIELD_TYPE_CHOICES, choices_to_lines
from mado.eforms.fields import FILE_TYPES, MAX_FILE_SIZE
from mado.eforms.schema import GROUP_SOURCES, IDENTITY_SOURCES, MEMBER_SOURCES, REGISTRY_SOURCES

IDENTITY_CHOICES = [
    ("none", _("不要（だれでも申請できる） / none")),
    ("email", _("メールアドレスの確認 / e-mail")),
    ("card", _("マイナンバーカード / My Number card")),
]
CODE_HELP = _("英小文字・数字・-・_（例: inu-toroku）。公開後も変わりません")
KEY_HELP = _("英小文字で始まる英小文字・数字・_（例: birth_date）。空なら名前から作ります")


class DescribedForm(forms.Form):
    """Sets ``aria-describedby`` (help, error) and ``aria-invalid`` on every input."""

    def describe(self) -> DescribedForm:
        if self.is_bound and self._errors is None:
            return self  # full_clean() describes once the errors are known
        for name, field in self.fields.items():
            bound = self[name]
            ids = []
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if self.is_bound and self.errors.get(name):
                ids.append(f"{bound.auto_id}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
        return self

    def full_clean(self) -> None:
        super().full_clean()
        self.describe()


class NewFormForm(DescribedForm):
    code = forms.SlugField(label=_("様式コード"), max_length=80, help_text=CODE_HELP)
    title = forms.CharField(label=_("様式名"), max_length=200)
    title_en = forms.CharField(label=_("様式名（英語）"), max_length=200, required=False)
    procedure = forms.ChoiceField(
        label=_("手続"), required=False, help_text=_("手数料はこの手続から取ります")
    )
    identity = forms.ChoiceField(label=_("本人確認"), choices=IDENTITY_CHOICES, initial="none")

    def __init__(self, *args: Any, procedures: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = [("", _("（なし）")), *procedures]
        self.describe()

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).lower()


class SettingsForm(NewFormForm):
    """Title, procedure and identity of an existing form (the code stays)."""

    description = forms.CharField(
        label=_("説明"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]


class AddStepForm(DescribedForm):
    step_title = forms.CharField(label=_("ステップの題"), max_length=200)
    step_title_en = forms.CharField(label=_("ステップの題（英語）"), max_length=200, required=False)


class AddFieldForm(DescribedForm):
    step = forms.TypedChoiceField(label=_("追加するステップ"), coerce=int)
    group = forms.ChoiceField(
        label=_("追加する場所"),
        required=False,
        help_text=_("繰り返し項目の中に追加するときは選びます"),
    )
    type = forms.ChoiceField(label=_("種類"), choices=FIELD_TYPE_CHOICES)
    label = forms.CharField(label=_("項目名"), max_length=200)
    key = forms.CharField(label=_("キー"), max_length=50, required=False, help_text=KEY_HELP)

    def __init__(
        self, *args: Any, steps: list[tuple[int, str]] = (), groups: list[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = list(steps)
        self.fields["group"].choices = [("", _("ステップの最後"))] + [
            (g, _("繰り返し項目「%(g)s」の中") % {"g": g}) for g in groups
        ]
        self.describe()


def _prefill_choices(kind: str, in_group: bool) -> list[tuple[str, str]]:
    if kind == "group":
        sources = GROUP_SOURCES
    elif in_group:
        sources = MEMBER_SOURCES
    else:
        sources = IDENTITY_SOURCES | REGISTRY_SOURCES
    return [("", _("（なし）"))] + [(s, s) for s in sorted(sources)]


class FieldEditForm(DescribedForm):
    """The editable properties of one field; only those its type has are kept."""

    key = forms.CharField(label=_("キー"), max_length=50, help_text=KEY_HELP)
    label = forms.CharField(label=_("項目名"), max_length=200, required=False)
    label_en = forms.CharField(label=_("項目名（英語）"), max_length=200, required=False)
    help = forms.CharField(
        label=_("説明（ヘルプ）"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    required = forms.BooleanField(label=_("必須"), required=False)
    choices = forms.CharField(
        label=_("選択肢"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("1行に1つ「値|表示名」（例: self|本人）。英語名は「値|表示名|English」"),
    )
    min = forms.CharField(
        label=_("最小"),
        required=False,
        max_length=20,
        help_text=_("数・金額は整数、日付は YYYY-MM-DD、繰り返し・複数選択は個数"),
    )
    max = forms.CharField(label=_("最大"), required=False, max_length=20)
    max_length = forms.IntegerField(
        label=_("最大文字数"), required=False, min_value=1, max_value=10000
    )
    multiline = forms.BooleanField(label=_("複数行で入力"), required=False)
    prefill = forms.ChoiceField(label=_("初期値の取得元"), required=False)
    accept = forms.MultipleChoiceField(
        label=_("受け付けるファイルの形式"),
        required=False,
        choices=[(t, t) for t in FILE_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    max_size = forms.IntegerField(
        label=_("最大サイズ（バイト）"), required=False, min_value=1, max_value=MAX_FILE_SIZE
    )

    PER_TYPE: dict[str, frozenset[str]] = {
        "text": frozenset({"max_length", "multiline"}),
        "kana": frozenset({"max_length"}),
        "address": frozenset({"max_length"}),
        "email": frozenset({"max_length"}),
        "date": frozenset({"min", "max"}),
        "number": frozenset({"min", "max"}),
        "money": frozenset({"min", "max"}),
        "choice": frozenset({"choices"}),
        "multichoice": frozenset({"choices", "min", "max"}),
        "file": frozenset({"accept", "max_size"}),
        "group": frozenset({"min", "max"}),
    }
    COMMON = frozenset({"key", "label", "label_en", "help", "required", "prefill"})

    def __init__(
        self, *args: Any, field: Mapping[str, Any], in_group: bool = False, **kwargs: Any
    ) -> None:
        kind = str(field.get("type"))
        if not args and "data" not in kwargs:
            kwargs["initial"] = self.initial_from(field)
        super().__init__(*args, **kwargs)
        keep = (
            frozenset({"key", "label", "label_en", "help"})
            if kind == "section"
            else self.COMMON | self.PER_TYPE.get(kind, frozenset())
        )
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "prefill" in self.fields:
            self.fields["prefill"].choices = _prefill_choices(kind, in_group)
        self.kind = kind
        self.describe()

    @staticmethod
    def initial_from(field: Mapping[str, Any]) -> dict[str, Any]:
        initial = {
            k: field.get(k)
            for k in (
                "key",
                "label",
                "label_en",
                "help",
                "required",
                "prefill",
                "max_length",
                "multiline",
                "max_size",
            )
        }
        initial["choices"] = choices_to_lines(field.get("choices") or [])
        initial["min"] = "" if field.get("min") is None else str(field["min"])
        initial["max"] = "" if field.get("max") is None else str(field["max"])
        initial["accept"] = list(field.get("accept") or [])
        return initial

    def changes(self) -> dict[str, Any]:
        """cleaned_data as definition properties (for builder.update_field)."""
        from mado.eforms.builder import choices_from_lines

        data = dict(self.cleaned_data)
        out: dict[str, Any] = {}
        for name, value in data.items():
            if name == "choices":
                out["choices"] = choices_from_lines(value)
            elif name in ("min", "max"):
                out[name] = _bound(value, self.kind)
            else:
                out[name] = value
        return out


def _bound(value: str, kind: str) -> Any:
    value = (value or "").strip()
    if not value:
        return None
    if kind == "date":
        return value
    try:
        return int(value.replace(",", ""))
    except ValueError:
        return value  # the schema check reports it next to the input


class AddLogicForm(DescribedForm):
    action = forms.ChoiceField(label=_("動作"), choices=ACTION_CHOICES)
    target = forms.ChoiceField(label=_("対象"))
    expression = forms.CharField(
        label=_("条件または計算式"),
        max_length=2000,
        help_text=_('例: applicant_type == "proxy"、copies * 300（計算式は「計算する」のとき）'),
    )

    def __init__(self, *args: Any, targets: list[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = list(targets)
        self.describe()


class CopyForm(DescribedForm):
    new_code = forms.SlugField(label=_("新しい様式コード"), max_length=80, help_text=CODE_HELP)


class ImportForm(DescribedForm):
    file = forms.FileField(label=_("JSONファイル"), help_text=_("書き出した様式（.json、1MBまで）"))

    MAX_BYTES = 1024 * 1024

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > self.MAX_BYTES:
            raise forms.ValidationError(_("1MBまでのファイルにしてください / at most 1 MB"))
        return upload.read()
