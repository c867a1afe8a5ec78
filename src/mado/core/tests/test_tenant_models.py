"""Every model that holds a municipality's rows is tenant-scoped (or says why not)."""

from django.apps import apps

from mado.core.tenancy import TenantManager, TenantOwned

# Models that carry a municipality but are deliberately not TenantOwned, and why.
NOT_SCOPED = {
    "core.Municipality": "the tenant itself",
    "core.StaffProfile": "binds a user to one municipality; read only through core.services",
    "core.AuditEntry": "append-only log, read through core.audit with an explicit filter",
    "registry.ResidentSearchToken": "search index keyed by municipality_id, read only by search",
}


def test_tenant_owned_models_use_the_scoped_manager() -> None:
    for model in apps.get_models():
        label = model._meta.label
        if not model.__module__.startswith("mado."):
            continue
        names = {f.name for f in model._meta.get_fields()} | {
            getattr(f, "attname", "") for f in model._meta.get_fields()
        }
        holds_tenant = "municipality" in names or "municipality_id" in names
        if not holds_tenant or label in NOT_SCOPED:
            continue
        assert issubclass(model, TenantOwned), (
            f"{label} holds municipality rows but is not TenantOwned"
        )
        assert isinstance(model._default_manager, TenantManager), label
