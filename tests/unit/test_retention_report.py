"""What ``pga retention run`` prints: ids, kinds and counts, never a youth's date of birth."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from uuid import UUID

import pytest

from pga.rights.retention import (
    Due,
    Erased,
    Held,
    RecordKind,
    RetentionReport,
    RetentionTerms,
)
from pga.rights.retention_cli import _write_json, _write_text

BIRTHDAY_23 = date(2026, 3, 14)  # a youth's 23rd birthday: the age term's due date
CLOSED_PLUS_5 = date(2026, 2, 2)  # a trajectory's: five years after closing
YOUTH, TRAJECTORY, HELD = UUID(int=1), UUID(int=2), UUID(int=3)

REPORT = RetentionReport(
    today=date(2026, 11, 29),
    dry_run=False,
    terms=RetentionTerms(),
    erased=(
        Erased(RecordKind.YOUTH, YOUTH, BIRTHDAY_23, (TRAJECTORY,), (), 2),
        Erased(RecordKind.TRAJECTORY, TRAJECTORY, CLOSED_PLUS_5, (TRAJECTORY,), (), 1),
    ),
    due=(Due(RecordKind.YOUTH, HELD, BIRTHDAY_23),),
    held=(Held(RecordKind.YOUTH, HELD, BIRTHDAY_23, (TRAJECTORY,), (UUID(int=9),)),),
    counts={"due": 3, "erased": 2, "held": 1, "failed": 0},
)


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_text_report_never_shows_the_age_terms_date(
    capsys: pytest.CaptureFixture[str], *, dry_run: bool
) -> None:
    report = replace(REPORT, dry_run=dry_run)
    _write_text(report)
    out = capsys.readouterr().out
    assert BIRTHDAY_23.isoformat() not in out
    assert f"erased   jongere    {YOUTH}  age limit reached" in out
    assert f"held     jongere    {HELD}  age limit reached" in out
    assert f"erased   traject    {TRAJECTORY}  due {CLOSED_PLUS_5.isoformat()}" in out


def test_the_json_report_leaves_the_age_terms_date_out(capsys: pytest.CaptureFixture[str]) -> None:
    _write_json(REPORT)
    out = capsys.readouterr().out
    assert BIRTHDAY_23.isoformat() not in out
    shown = json.loads(out)
    assert [item["due_on"] for item in shown["erased"]] == [None, CLOSED_PLUS_5.isoformat()]
    assert shown["held"][0]["due_on"] is None
    assert shown["due"][0]["due_on"] is None
    assert shown["counts"] == REPORT.counts
