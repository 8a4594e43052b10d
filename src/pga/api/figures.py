"""/api/v1/figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler


def handlers() -> list[HTTPRouteHandler]:
    """Every /figures operation."""
    return []
