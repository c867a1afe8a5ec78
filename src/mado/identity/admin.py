"""Admin for the JPKI simulator: see the CAs and demo cards, reset a locked card.

Resetting the PIN counter is what a municipal counter does for a real card
(暗証番号の初期化); keys and PIN hashes are never shown.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from mado.identity.models import CertificateAuthority, DemoCard, RevokedCertificate


@admin.register(CertificateAuthority)
class CertificateAuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "trusted", "crl_number", "crl_auto_publish", "created_at")
    fields = ("name", "trusted", "crl_auto_publish", "crl_number", "certificate_pem", "crl_pem")
    readonly_fields = ("name", "crl_number", "certificate_pem", "crl_pem")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created by `mado issue_demo_cards` (it generates the key)


@admin.register(RevokedCertificate)
class RevokedCertificateAdmin(admin.ModelAdmin):
    list_display = ("serial", "ca", "reason", "revoked_at")
    readonly_fields = ("ca", "serial", "reason", "revoked_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.action(description="暗証番号のロックを解除する / reset the PIN counter")
def reset_pin(modeladmin: Any, request: HttpRequest, queryset: QuerySet[DemoCard]) -> None:
    queryset.update(failed_pin_count=0)


@admin.register(DemoCard)
class DemoCardAdmin(admin.ModelAdmin):
    list_display = ("label", "municipality", "kind", "ca", "failed_pin_count", "card_expires")
    list_filter = ("municipality", "kind", "ca")
    fields = (
        "label",
        "municipality",
        "kind",
        "resident",
        "ca",
        "serial",
        "card_expires",
        "failed_pin_count",
        "certificate_pem",
    )
    readonly_fields = (
        "municipality",
        "kind",
        "resident",
        "ca",
        "serial",
        "card_expires",
        "certificate_pem",
    )
    actions = [reset_pin]

    def get_queryset(self, request: HttpRequest) -> QuerySet[DemoCard]:
        return DemoCard.unscoped.select_related("municipality", "ca")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
