"""``pga subjects``: the data subject's rights on the command line, one sub-command per module."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pga.rights.erasure import configure_erase_parser
from pga.rights.export import configure_export_parser
from pga.rights.requests import configure_requests_parser

if TYPE_CHECKING:
    import argparse


def add_subject_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``pga subjects`` and its commands (each module configures its own)."""
    subjects = subparsers.add_parser(
        "subjects", help="the data subject's rights: erasure, export (inzage), requests"
    )
    commands = subjects.add_subparsers(
        title="subjects commands", metavar="SUBJECTS_COMMAND", required=True
    )
    configure_erase_parser(commands)
    configure_export_parser(commands)
    configure_requests_parser(commands)
