"""The Litestar application: routes, authentication, errors, OpenAPI, lifespan.

``create_app(settings)`` builds the ASGI app; ``asgi(settings)`` wraps it with the trailing-slash
rule and is what ``pga serve`` runs. The lifespan opens the eventsourcing application and a
connection pool for read-model queries, starts the projection runner in a thread (one runner per
read model across all workers; the others stand by), and closes everything on shutdown. Handlers
are synchronous and run in Litestar's thread pool, because the eventsourcing library is.
"""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import psycopg
from litestar import Litestar, Request, Router
from litestar.datastructures import ResponseHeader
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Contact, License, Server
from litestar.static_files import create_static_files_router
from psycopg_pool import ConnectionPool

from pga.api import audit, erasure, export, figures, meta, networks, rights, trajectories
from pga.api.access import access_logging
from pga.api.auth import VerificationKeys, jwt_auth, verification_keys
from pga.api.http import API_PREFIX, API_VERSION, add_standard_headers, check_request, guard_edges
from pga.api.meta import api_document
from pga.api.problems import handle_exception
from pga.api.state import STATE_KEY, ApiState
from pga.application import PgaApplication, open_application
from pga.audit.access_log import AccessLogWriter, create_access_log, require_access_log
from pga.privacy.policy import Policy, load_policy
from pga.rights.retention import RetentionSchedule
from pga.store.database import resolve_database_url
from projections import read_models
from projections.config import caseload_thresholds, figures_minimum_cell, step_deadlines
from projections.runner import Runner

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from litestar.types import ASGIApp

    from pga.settings import Settings

_LOG = logging.getLogger("pga.api")
DOCS_PATH = f"{API_PREFIX}/docs"
DOCS_ASSETS = f"{DOCS_PATH}/assets"
#: Paths served without a token: the API description, its docs and the health probes.
PUBLIC_PATHS = (f"{API_PREFIX}/openapi.json", DOCS_PATH, "/health")


def _swagger_assets() -> Path:
    import swagger_ui  # type: ignore[import-untyped]  # noqa: PLC0415 - its static folder

    return Path(swagger_ui.__file__).parent / "static"


class _SwaggerUi(SwaggerRenderPlugin):
    """Swagger UI on the published document (relative paths, server /api/v1).

    Litestar embeds its own document in the page, whose paths carry the /api/v1 prefix that the
    server URL already holds ("try it out" would call /api/v1/api/v1/…).
    """

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        """Render the page with the published document."""
        return super().render(request, api_document(openapi_schema))


def openapi_config() -> OpenAPIConfig:
    """Return the OpenAPI metadata and the self-hosted Swagger UI at /api/v1/docs."""
    return OpenAPIConfig(
        title="pga API",
        version=API_VERSION,
        description=(
            "Coördinatie van de persoonsgerichte aanpak voor minderjarigen (PGA 18min), "
            "jeugdinterventieteams en het 7-stappenmodel voor problematische jeugdnetwerken. "
            "Alle gegevens in voorbeelden zijn synthetisch."
        ),
        contact=Contact(name="pga engineers", email="dev@pga.invalid", url="https://pga.invalid"),
        license=License(name="EUPL-1.2", identifier="EUPL-1.2"),
        servers=[Server(url=API_PREFIX, description="Deze server")],
        path=DOCS_PATH,
        render_plugins=[
            _SwaggerUi(
                path="/",
                js_url=f"{DOCS_ASSETS}/swagger-ui-bundle.js",
                css_url=f"{DOCS_ASSETS}/swagger-ui.css",
                standalone_preset_js_url=f"{DOCS_ASSETS}/swagger-ui-standalone-preset.js",
                # Litestar's default favicon comes from a CDN; everything here is served locally.
                favicon=f'<link rel="icon" href="{DOCS_ASSETS}/favicon-32x32.png">',
            )
        ],
        use_handler_docstrings=False,
    )


def create_app(
    settings: Settings,
    *,
    run_projections: bool | None = None,
    application: PgaApplication | None = None,
    log_access: bool = True,
    run_retention: bool = False,
) -> Litestar:
    """Build the API (``run_projections`` defaults to ``PGA_SERVE_PROJECTIONS``).

    ``log_access=False`` leaves the access log out: only for the benchmark's baseline, which
    measures what writing it costs. ``run_retention``: run the retention terms on the schedule
    ``PGA_RETENTION_INTERVAL_HOURS`` sets (what ``pga serve`` does; one worker runs it).
    """
    keys = verification_keys(settings)
    policy = load_policy()
    # A partner command the API does not offer is a policy error: refuse to start.
    policy.check_commands(
        {
            route.operation_id
            for route in (*trajectories.COMMANDS, *networks.COMMANDS)
            if not route.creates
        }
    )
    auth = jwt_auth(settings, keys, exclude=[f"^{path}" for path in PUBLIC_PATHS])
    project = settings.serve_projections if run_projections is None else run_projections

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        state = await anyio.to_thread.run_sync(
            _open_state, settings, keys, policy, application, log_access
        )
        app.state[STATE_KEY] = state
        if state.access_log is not None:
            state.access_log.start()  # a task on this loop: it must run here, not in a thread
        stop = threading.Event()
        runner = _start_runner(state, stop) if project else None
        schedule = _start_retention(state) if run_retention else None
        try:
            yield
        finally:
            stop.set()
            if schedule is not None:
                await anyio.to_thread.run_sync(schedule.close)
            if runner is not None:
                await anyio.to_thread.run_sync(runner.join)
            if state.access_log is not None:
                await state.access_log.close()
            await anyio.to_thread.run_sync(_close_state, state, application is None)

    api = Router(
        API_PREFIX,
        route_handlers=[
            meta.openapi_document,
            *trajectories.handlers(),
            *networks.handlers(),
            *rights.handlers(),
            *export.handlers(),
            *erasure.handlers(),
            *figures.handlers(),
            *audit.handlers(),
        ],
        before_request=check_request,
    )
    assets = create_static_files_router(
        path=DOCS_ASSETS, directories=[_swagger_assets()], include_in_schema=False
    )
    return Litestar(
        route_handlers=[api, assets, meta.live, meta.ready],
        lifespan=[lifespan],
        on_app_init=[auth.on_app_init],
        middleware=[access_logging],
        before_send=[add_standard_headers],
        exception_handlers={Exception: handle_exception},
        openapi_config=openapi_config(),
        response_headers=[
            ResponseHeader(
                name="API-Version",
                value=API_VERSION,
                description="De volledige versie van de API (semver).",
            )
        ],
        request_max_body_size=settings.api_max_body_bytes,
        logging_config=None,
    )


def asgi(settings: Settings, **options: Any) -> ASGIApp:  # noqa: ANN401
    """Return the app as served: ``create_app`` behind the trailing-slash and docs-path rules."""
    return guard_edges(create_app(settings, **options))


#: The access-log writer's connection: a write never hangs (a stalled one fails, and is retried
#: on a new connection), so reads are refused rather than shown unlogged for long.
_ACCESS_LOG_CONNECTION: dict[str, Any] = {
    "autocommit": True,
    "connect_timeout": 10,
    "options": "-c statement_timeout=10000",
    "keepalives": 1,
    "keepalives_idle": 10,
    "keepalives_interval": 5,
    "keepalives_count": 3,
    "tcp_user_timeout": 20000,
    "application_name": "pga-access-log",
}


def _open_state(
    settings: Settings,
    keys: VerificationKeys,
    policy: Policy,
    application: PgaApplication | None,
    log_access: bool,  # noqa: FBT001
) -> ApiState:
    app = application or open_application(settings)
    url = resolve_database_url(settings)
    pool: ConnectionPool[Any] = ConnectionPool(
        url,
        min_size=1,
        # Handlers run in at most min(32, CPUs + 4) threads per worker; a waiting
        # "Prefer: return=representation" holds one connection while it LISTENs.
        max_size=max(settings.db_pool_size, 8),
        timeout=10.0,
        kwargs={"autocommit": True},
        open=True,
        name="pga-read-models",
    )
    with pool.connection() as connection:
        if settings.create_tables:
            create_access_log(connection, settings.database_schema)
        else:
            require_access_log(connection, settings.database_schema)
    return ApiState(
        settings=settings,
        app=app,
        pool=pool,
        keys=keys,
        thresholds=caseload_thresholds(settings),
        deadlines=step_deadlines(settings),
        minimum_cell=figures_minimum_cell(settings),
        policy=policy,
        access_log=AccessLogWriter(
            partial(psycopg.AsyncConnection.connect, url, **_ACCESS_LOG_CONNECTION),
            settings.database_schema,
            max_delay=settings.access_log_max_delay_ms / 1000,
        )
        if log_access
        else None,
    )


def _close_state(state: ApiState, close_application: bool) -> None:  # noqa: FBT001
    state.pool.close()
    if close_application:
        state.app.close()


def _start_retention(state: ApiState) -> RetentionSchedule | None:
    """Start the retention schedule (``None`` when ``PGA_RETENTION_INTERVAL_HOURS`` is 0)."""
    hours = state.settings.retention_interval_hours
    if not hours:
        return None
    schedule = RetentionSchedule(
        state.app,
        state.settings,
        resolve_database_url(state.settings),
        interval_hours=hours,
    )
    schedule.start()
    return schedule


def _start_runner(state: ApiState, stop: threading.Event) -> threading.Thread:
    """Run the read models' runner in a thread until ``stop`` (stand by if another one runs)."""

    def run() -> None:
        try:
            models = read_models(state.settings)
            with Runner(
                state.app, models, batch_size=state.settings.projection_batch_size
            ) as runner:
                runner.run(stop=stop)
        except Exception as error:  # noqa: BLE001 - reported; /health/ready shows the lag
            _LOG.error("projection runner stopped: %s", type(error).__name__)

    thread = threading.Thread(target=run, name="pga-projections", daemon=True)
    thread.start()
    return thread
