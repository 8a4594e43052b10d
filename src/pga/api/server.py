"""The ASGI entry point ``pga serve`` gives uvicorn: ``pga.api.server:app`` (a factory)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pga.api.app import asgi
from pga.settings import Settings

if TYPE_CHECKING:
    from litestar.types import ASGIApp


def app() -> ASGIApp:
    """Build the served app from the ``PGA_*`` environment (one call per worker process).

    It runs the retention terms on their schedule (``PGA_RETENTION_INTERVAL_HOURS``).
    """
    return asgi(Settings.from_env(), run_retention=True)
