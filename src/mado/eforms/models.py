"""Form definitions (様式) and their versions.

Why versions are rows and published ones are frozen: a submission must always
be readable with the exact form it was made with — labels, choices, logic —
years later, even after staff changed the form. So a FormDefinition is only a
name and a code; its content lives in numbered FormVersions, and once a
version is published its definition and number can never change and it can
never be deleted (``save`` and a ``pre_delete`` hook refuse, which also covers
queryset and cascade deletes). Editing a published form means a new draft.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from mado.core.tenancy import TenantOwned


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("下書き")
    PUBLISHED = "published", _("公開中")
    RETIRED = "retired", _("公開終了")


class ImmutableVersion(ValidationError):
    """A change to a published (or once published) version was refused."""


_REFUSE_DELETE = (
    "公開した版は削除できません（申請がこの版を参照します） / "
    "a published version cannot be deleted (submissions refer to it)"
)


class FormDefinition(TenantOwned):
    """様式: one form of a municipality, identified by its code; content is in versions."""

    code = models.SlugField(_("様式コード"), max_length=80)
    title = models.CharField(_("様式名"), max_length=200)
    procedure = models.ForeignKey(
        "procedures.Procedure",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forms",
        verbose_name=_("手続"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("様式")
        verbose_name_plural = _("様式")
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="eforms_form_code_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if (
            self.pk
            and FormVersion.unscoped.filter(form=self).exclude(status=VersionStatus.DRAFT).exists()
        ):
            raise ImmutableVersion(_REFUSE_DELETE)
        return super().delete(*args, **kwargs)


class FormVersion(TenantOwned):
    """版: the JSON definition of a form at one point in time."""

    form = models.ForeignKey(
        FormDefinition, on_delete=models.CASCADE, related_name="versions", verbose_name=_("様式")
    )
    number = models.PositiveIntegerField(_("版"))
    definition = models.JSONField(_("定義"))
    status = models.CharField(
        _("状態"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    published_at = models.DateTimeField(_("公開日時"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("公開者"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("様式の版")
        verbose_name_plural = _("様式の版")
        ordering = ["form", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="eforms_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form.code} v{self.number} ({self.get_status_display()})"

    @property
    def frozen(self) -> bool:
        """Published now or before: content may never change again."""
        return self.status != VersionStatus.DRAFT

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            stored = (
                FormVersion.unscoped.filter(pk=self.pk)
                .values("status", "definition", "number", "form_id")
                .first()
            )
            if stored is not None and stored["status"] != VersionStatus.DRAFT:
                changed = (
                    stored["definition"] != self.definition
                    or stored["number"] != self.number
                    or stored["form_id"] != self.form_id
                )
                if changed or self.status == VersionStatus.DRAFT:
                    raise ImmutableVersion(
                        "公開した版は変更できません。新しい下書きを作ってください / "
                        "a published version cannot be changed; create a new draft"
                    )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if self.frozen:  # checked before Django opens its delete transaction
            raise ImmutableVersion(_REFUSE_DELETE)
        return super().delete(*args, **kwargs)


@receiver(pre_delete, sender=FormVersion)
def _refuse_deleting_published(sender: Any, instance: FormVersion, **kwargs: Any) -> None:
    """The last line of defence: queryset and cascade deletes do not call ``delete()``."""
    if instance.frozen:
        raise ImmutableVersion(_REFUSE_DELETE)
