"""Small file helpers shared by the parts that keep secrets in the data directory."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


def create_private_file(path: Path, content: str) -> None:
    """Create ``path`` holding ``content`` unless it exists already; readable by its owner only.

    The content is written whole to a private temporary file, then linked into place: never seen
    half-written, and of two concurrent starts the first one wins (the second keeps the first's).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.parent / f".{path.name}.{os.getpid()}"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(content)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()
