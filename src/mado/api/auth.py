"""Bearer-token authentication for /api/v1/: each token acts for one municipality.

On success the request's tenant context is set to the token's municipality, so
every tenant-owned query in the endpoint is scoped to it (see core.tenancy).
The TenantMiddleware resets the context at the end of the request.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from mado.core.services import authenticate_token
from mado.core.tenancy import set_current_municipality


class StaffToken(HttpBearer):
    openapi_description = "職員APIトークン (`mado demo_token <username>`) / staff API token"

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = authenticate_token(token)
        if api_token is None:
            return None
        request.user = api_token.user
        request.municipality = api_token.municipality  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        set_current_municipality(api_token.municipality)
        return api_token


class PublicOrStaff(StaffToken):
    """For resident-facing endpoints (catalogue, navigator): no token needed.

    Without an Authorization header the municipality is the one of the host
    name (as on the resident site); with one, it must be a valid staff token
    and its municipality is used. A request for which no municipality can be
    found is refused like an unauthenticated one.

    ``optional = True`` makes the OpenAPI document say so (an empty security
    requirement beside the bearer one, see :class:`mado.api.router.MadoAPI`).
    """

    optional = True

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return super().__call__(request)
        from mado.core.middleware import municipality_for_host

        municipality = municipality_for_host(request.get_host())
        if municipality is None:
            return None
        request.municipality = municipality  # type: ignore[attr-defined]
        set_current_municipality(municipality)
        return municipality
