"""Tenant context: which municipality (団体) the current request acts for.

Several municipalities share one deployment (the joint-procurement SaaS the DX
plans describe), so every tenant-owned row carries ``municipality`` and every
query made on behalf of a staff member or an API token is filtered to it.
The filter is applied by :class:`TenantManager` from a context variable set by
the middleware (session staff) or the API authentication (tokens), so a view
that forgets to filter still cannot see another municipality's rows, and
:meth:`TenantOwned.save` refuses to write a row of another municipality.

Code that legitimately works across tenants (seeding, migrations, the audit
verifier) runs outside any tenant context or uses ``Model.unscoped``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db import models

if TYPE_CHECKING:
    from mado.core.models import Municipality

_current: contextvars.ContextVar[Municipality | None] = contextvars.ContextVar(
    "mado_municipality", default=None
)


class TenantViolation(PermissionDenied):
    """A write or read crossed from one municipality into another."""


def get_current_municipality() -> Municipality | None:
    return _current.get()


def set_current_municipality(municipality: Municipality | None) -> contextvars.Token:
    return _current.set(municipality)


def reset_current_municipality(token: contextvars.Token) -> None:
    _current.reset(token)


@contextmanager
def use_municipality(municipality: Municipality | None) -> Iterator[None]:
    """Run a block as ``municipality`` (``None`` lifts the scope: system work only)."""
    token = _current.set(municipality)
    try:
        yield
    finally:
        _current.reset(token)


class TenantQuerySet(models.QuerySet):
    def for_municipality(self, municipality: Municipality) -> TenantQuerySet:
        return self.filter(municipality=municipality)


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):  # type: ignore[misc]
    """Default manager of tenant-owned models: scoped to the current municipality."""

    def get_queryset(self) -> TenantQuerySet:
        qs = super().get_queryset()
        current = _current.get()
        if current is not None:
            qs = qs.filter(municipality_id=current.pk)
        return qs


class TenantOwned(models.Model):
    """Abstract base of every row that belongs to one municipality."""

    municipality = models.ForeignKey(
        "core.Municipality", on_delete=models.PROTECT, related_name="+", verbose_name="団体"
    )

    objects = TenantManager()
    unscoped = models.Manager()  # noqa: DJ012  (ruff takes a Manager for a field)

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        current = _current.get()
        if current is not None:
            if self.municipality_id is None:
                self.municipality = current
            elif self.municipality_id != current.pk:
                raise TenantViolation(
                    "他の団体のデータは変更できません / cross-tenant write refused"
                )
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        current = _current.get()
        if current is not None and self.municipality_id != current.pk:
            raise TenantViolation("他の団体のデータは削除できません / cross-tenant delete refused")
        return super().delete(*args, **kwargs)
