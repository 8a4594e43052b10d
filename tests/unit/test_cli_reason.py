"""Free-text reasons on the command line: as an argument, or kept out of the process list."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import pytest

from pga.cli import _build_parser

if TYPE_CHECKING:
    from pathlib import Path

from pga.audit.cli import reason_of

ID = "0b6e3f1c-5a4b-4c3d-9e2f-1a2b3c4d5e6f"
COMMANDS = [
    ["subjects", "erase", ID, "--basis", "avg-17-verzoek"],
    ["retention", "hold", ID, "--basis", "strafzaak"],
    ["retention", "lift", ID, ID],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(words[:2]))
def test_a_reason_comes_from_the_argument_a_file_or_standard_input(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parser = _build_parser()
    assert reason_of(parser.parse_args([*command, "--reason", "Zaak 12"])) == "Zaak 12"
    written = tmp_path / "reden.txt"
    written.write_text("  Klacht van de ouders\n", encoding="utf-8")
    from_file = parser.parse_args([*command, "--reason-file", str(written)])
    assert reason_of(from_file) == "Klacht van de ouders"
    monkeypatch.setattr("sys.stdin", io.StringIO("Uit de invoer\n"))
    assert reason_of(parser.parse_args([*command, "--reason-file", "-"])) == "Uit de invoer"


@pytest.mark.parametrize("command", COMMANDS, ids=lambda words: " ".join(words[:2]))
def test_exactly_one_way_of_giving_the_reason(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    parser = _build_parser()
    for wrong in ([], ["--reason", "a", "--reason-file", "-"]):
        with pytest.raises(SystemExit) as refused:
            parser.parse_args([*command, *wrong])
        assert refused.value.code == 2
    capsys.readouterr()


def test_an_unreadable_or_empty_reason_file_is_refused_without_echoing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parser = _build_parser()
    missing = tmp_path / "Jan-de-Vries.txt"  # a path may itself be personal: never echoed
    empty = tmp_path / "leeg.txt"
    empty.write_text("  \n", encoding="utf-8")
    for path in (missing, empty):
        with pytest.raises(SystemExit) as refused:
            reason_of(parser.parse_args([*COMMANDS[1], "--reason-file", str(path)]))
        assert refused.value.code == 2
        assert "Jan-de-Vries" not in capsys.readouterr().err
