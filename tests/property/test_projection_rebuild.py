"""Property: read models built incrementally, in random batches, through a crash, equal a rebuild.

For random demo histories (seed and size drawn), every read model is built by a runner that
takes random batch sizes and dies in the middle of a batch (a simulated crash: an exception no
handler catches, raised after the rows were written and before the commit); a new runner
resumes with other batch sizes. The content digest of every read model must equal that of a
rebuild from zero in one pass.
"""

from __future__ import annotations

import contextlib
import secrets
from typing import TYPE_CHECKING, Any

import psycopg
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from psycopg import sql

from pga.application import PgaApplication
from pga.demo import demo_application_options, generate
from pga.store.database import ensure_schema, eventsourcing_env
from projections import read_models
from projections.control import digest, rebuild
from projections.runner import Runner
from tests.subject_keys import key_store

if TYPE_CHECKING:
    from projections.base import Batch, ReadModel


class SimulatedCrash(BaseException):
    """The process dies: nothing in the runner catches this."""


def crashing(model: ReadModel, after_saves: int) -> ReadModel:
    """Return ``model`` changed to die in its ``save`` number ``after_saves + 1``."""
    saves = 0
    original_save = model.save

    def save(batch: Batch) -> None:
        nonlocal saves
        original_save(batch)  # the rows are written; the transaction is still open
        saves += 1
        if saves > after_saves:
            raise SimulatedCrash

    model.save = save  # type: ignore[method-assign]
    return model


def digests(connection: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    return {model.name: digest(connection, schema, model) for model in read_models()}


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 10_000),
    trajectories=st.integers(1, 8),
    networks=st.integers(0, 2),
    first_batch=st.integers(1, 300),
    later_batches=st.lists(st.integers(1, 500), min_size=1, max_size=6),
    crash_in=st.integers(0, 4),
    crash_after_saves=st.integers(0, 3),
)
def test_incremental_builds_with_a_crash_equal_a_rebuild_from_zero(
    database_url: str,
    seed: int,
    trajectories: int,
    networks: int,
    first_batch: int,
    later_batches: list[int],
    crash_in: int,
    crash_after_saves: int,
) -> None:
    schema = f"t_{secrets.token_hex(6)}"
    ensure_schema(database_url, schema)
    options = demo_application_options(seed)
    try:
        with (
            PgaApplication(
                eventsourcing_env(database_url, schema),
                keys=key_store(database_url, schema),
                **options,
            ) as app,
            psycopg.connect(database_url, autocommit=True) as connection,
        ):
            generate(app, trajectories=trajectories, networks=networks, seed=seed)
            models = read_models()
            models[crash_in] = crashing(models[crash_in], crash_after_saves)
            with (
                Runner(app, models, batch_size=first_batch) as doomed,
                contextlib.suppress(SimulatedCrash),
            ):
                doomed.run(until_caught_up=True)
            with Runner(app, read_models(), batch_size=later_batches[0]) as resumed:
                resumed.prepare()
                resumed.acquire_locks()
                for size in [*later_batches, *later_batches]:
                    resumed.batch_size = size
                    resumed.step()
                result = resumed.run(until_caught_up=True)
            assert not result.poisoned
            incremental = digests(connection, schema)
            rebuild(app, read_models(), batch_size=100_000)
            assert digests(connection, schema) == incremental
    finally:
        with psycopg.connect(database_url, autocommit=True) as connection:
            for (name,) in connection.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname = %s OR nspname LIKE %s",
                (schema, f"{schema}\\_%"),
            ).fetchall():
                connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(name)))
