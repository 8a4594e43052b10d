"""docs/PRIVACY.md shows the policy file as it is: generated, and bumped with every change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pga.privacy.matrix import BEGIN, DOCUMENT, END, problems, section_of, write
from pga.privacy.policy import DEFAULT_POLICY_FILE, load_policy

if TYPE_CHECKING:
    from pathlib import Path


def test_the_committed_privacy_page_shows_the_current_policy() -> None:
    assert problems() == []


def test_the_matrix_names_every_role_and_record_kind() -> None:
    section = section_of(DOCUMENT.read_text(encoding="utf-8")) or ""
    for needle in ("`politie`", "`veilig_thuis`", "(`namenlijst`)", "(`bsn`)", "`recordArrest`"):
        assert needle in section


def _copies(tmp_path: Path, policy_text: str) -> tuple[Path, Path]:
    document = tmp_path / "PRIVACY.md"
    document.write_text(DOCUMENT.read_text(encoding="utf-8"), encoding="utf-8")
    policy = tmp_path / "policy.toml"
    policy.write_text(policy_text, encoding="utf-8")
    return document, policy


def test_a_policy_change_without_a_new_revision_is_refused(tmp_path: Path) -> None:
    original = DEFAULT_POLICY_FILE.read_text(encoding="utf-8")
    changed = original.replace(
        '[roles.school.trajectory]\naanmelding = "L1"',
        '[roles.school.trajectory]\naanmelding = "L2"',
    )
    assert changed != original
    document, policy = _copies(tmp_path, changed)
    found = problems(document, policy)
    assert any("bump `revision`" in problem for problem in found)
    revision = load_policy().revision
    bumped = changed.replace(f"revision = {revision}\n", f"revision = {revision + 1}\n")
    assert bumped != changed
    document, policy = _copies(tmp_path, bumped)
    write(document, policy)
    assert problems(document, policy) == []
    assert "| Aanmelding en de jongere (`aanmelding`) |" in document.read_text(encoding="utf-8")


def test_writing_twice_changes_nothing_and_keeps_the_rest_of_the_page(tmp_path: Path) -> None:
    document, policy = _copies(tmp_path, DEFAULT_POLICY_FILE.read_text(encoding="utf-8"))
    before = document.read_text(encoding="utf-8")
    write(document, policy)
    write(document, policy)
    after = document.read_text(encoding="utf-8")
    assert after == before
    assert after.count(BEGIN) == 1
    assert after.count(END) == 1
