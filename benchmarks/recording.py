"""What every benchmark shares: the server it runs against, and where its results are written."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pga.store.embedded import temporary_embedded

if TYPE_CHECKING:
    from collections.abc import Callable

BENCHMARKS_DOC = Path(__file__).resolve().parent.parent / "docs" / "BENCHMARKS.md"


class Results(Protocol):
    """A benchmark's results: they render as the Markdown of their docs section."""

    def report(self) -> str:
        """Return the results as Markdown."""
        ...


def run_and_record(section: str, run: Callable[[str, str], Results]) -> None:
    """Run a benchmark on the configured server (else a temporary embedded one) and record it.

    ``run(server_url, description)`` measures; its report replaces the generated part of
    ``section`` in docs/BENCHMARKS.md (between ``<!-- results:<section>:start/end -->``).
    """
    configured = os.environ.get("PGA_BENCH_DATABASE_URL") or os.environ.get("PGA_TEST_DATABASE_URL")
    if configured:
        results = run(configured, "the configured PostgreSQL server")
    else:
        with temporary_embedded() as server_url:
            results = run(server_url, "a temporary embedded PostgreSQL")
    report = results.report()
    print(report)
    write_report(section, report)
    print(f"\nwritten to {BENCHMARKS_DOC}")


def write_report(section: str, report: str, document: Path = BENCHMARKS_DOC) -> None:
    """Replace the generated part of one section of docs/BENCHMARKS.md with ``report``."""
    start, end = f"<!-- results:{section}:start -->", f"<!-- results:{section}:end -->"
    text = document.read_text(encoding="utf-8")
    before, rest = text.split(start, 1)
    _, after = rest.split(end, 1)
    document.write_text(f"{before}{start}\n{report}\n{end}{after}", encoding="utf-8")
