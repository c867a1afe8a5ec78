"""JSON API of ``counter`` (mounted by mado.api.router)."""

from ninja import Router

router = Router(tags=["counter"])
