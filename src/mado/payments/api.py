"""JSON API of ``payments`` (mounted by mado.api.router)."""

from ninja import Router

router = Router(tags=["payments"])
