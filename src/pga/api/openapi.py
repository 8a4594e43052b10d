"""Write the API's OpenAPI document, exactly as ``/api/v1/openapi.json`` serves it.

``python -m pga.api.openapi [--output PATH]`` builds the app without a database (``create_app``
connects only when its lifespan starts) and prints the document as deterministic JSON: sorted
keys, two-space indentation, a trailing newline. ``tools/openapi-check`` compares it with the
committed ``docs/openapi.json`` and lints that file against the NLGov API Design Rules.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from pga.api.app import create_app
from pga.api.meta import api_document
from pga.settings import Settings

#: Only there because ``create_app`` resolves verification keys; nothing is ever signed with it.
_PLACEHOLDER_SECRET = "openapi-document-placeholder-secret-000000"  # noqa: S105


def document() -> dict[str, Any]:
    """Return the OpenAPI document the API serves (built without a database)."""
    with tempfile.TemporaryDirectory(prefix="pga-openapi-") as data_dir:
        settings = Settings(jwt_secret=_PLACEHOLDER_SECRET, data_dir=Path(data_dir))
        app = create_app(settings, run_projections=False)
        return api_document(app.openapi_schema.to_schema())


def render(value: dict[str, Any]) -> str:
    """Return ``value`` as deterministic, reviewable JSON text."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Print the document, or write it to ``--output``."""
    parser = argparse.ArgumentParser(
        prog="python -m pga.api.openapi", description="Write the API's OpenAPI document."
    )
    parser.add_argument("--output", type=Path, help="write to this file instead of stdout")
    arguments = parser.parse_args(argv)
    text = render(document())
    if arguments.output is None:
        sys.stdout.write(text)
    else:
        arguments.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
