"""``pga keys``: the per-subject key store's administration (``pga.store.subject_keys``).

- ``pga keys status``: the data keys per key-encryption-key id (which master key wraps them) and
  the number of erased keys; never a key.
- ``pga keys rotate --new-key-file PATH``: rewrap every data key under the master key in PATH, in
  one transaction. The current master key is the configured one (``PGA_MASTER_KEY`` or
  ``PGA_MASTER_KEY_FILE``). Idempotent: keys already under the new key are counted, not changed,
  so a rotation interrupted, or repeated after a process still on the old key created keys, is
  finished by running it again (while the old key is still the configured one). Afterwards
  configure the new key (``PGA_MASTER_KEY_FILE=PATH``) and restart the service: a process still
  on the old key cannot unwrap keys it has not cached (it fails loudly, it never reads wrongly).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pga.store.database import resolve_database_url
from pga.store.keys import MasterKeyError, master_key, read_master_key_file
from pga.store.subject_keys import KeyStoreError, SubjectKeyStore, keys_database_url

if TYPE_CHECKING:
    import argparse

    from pga.settings import Settings

EXIT_OK = 0
EXIT_FAILURE = 1


def add_key_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``pga keys`` and its commands."""
    keys = subparsers.add_parser(
        "keys",
        help="the per-subject data keys: status and master-key rotation",
        description="The data keys that encrypt each youth's personal data live in their own "
        "database, wrapped by a key derived from the master key. No command prints a key.",
    )
    commands = keys.add_subparsers(title="keys commands", metavar="KEYS_COMMAND", required=True)
    commands.add_parser(
        "status", help="data keys per key-encryption-key id, and erased keys"
    ).set_defaults(command=status_command)
    rotate = commands.add_parser(
        "rotate", help="rewrap every data key under a new master key (one transaction)"
    )
    rotate.add_argument(
        "--new-key-file",
        type=Path,
        required=True,
        metavar="PATH",
        help="a file holding the new master key (base64 of 32 random bytes)",
    )
    rotate.set_defaults(command=rotate_command)


def status_command(_arguments: argparse.Namespace, settings: Settings) -> int:
    """Print the keys per KEK id (the current one marked) and the erased keys."""
    keys = _key_store(settings)
    try:
        status = keys.status()
    finally:
        keys.close()
    for kek_id, count in status.keys_by_kek.items():
        marker = " (current master key)" if kek_id == status.current_kek_id else ""
        print(f"{kek_id}: {count} data keys{marker}")  # noqa: T201
    if not status.keys_by_kek:
        print("no data keys yet")  # noqa: T201
    print(f"erased: {status.erased} data keys")  # noqa: T201
    return EXIT_OK


def rotate_command(arguments: argparse.Namespace, settings: Settings) -> int:
    """Rewrap every data key under the new master key; print the counts."""
    try:
        new_key = read_master_key_file(arguments.new_key_file)
        keys = _key_store(settings)
    except MasterKeyError as error:
        print(error, file=sys.stderr)  # noqa: T201
        return EXIT_FAILURE
    try:
        report = keys.rotate(new_key)
    except KeyStoreError as error:
        print(f"nothing rotated: {error}", file=sys.stderr)  # noqa: T201
        return EXIT_FAILURE
    finally:
        keys.close()
    print(  # noqa: T201
        f"rewrapped {report.rewrapped} data keys from {report.old_kek_id} to {report.new_kek_id}; "
        f"{report.already_current} already under the new key. Configure the new master key "
        "(PGA_MASTER_KEY_FILE) and restart the service."
    )
    return EXIT_OK


def _key_store(settings: Settings) -> SubjectKeyStore:
    url = resolve_database_url(settings)
    return SubjectKeyStore(
        keys_database_url(settings, url),
        settings.database_schema,
        master_key(settings, create=False),
        create_tables=settings.create_tables,
    )
