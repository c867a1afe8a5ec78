"""JSON API of ``casework`` (mounted by mado.api.router)."""

from ninja import Router

router = Router(tags=["casework"])
