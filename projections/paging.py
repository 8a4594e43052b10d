"""Paging shared by every list query of the read models (NLGov: ``page`` and ``pageSize``)."""

from __future__ import annotations

from typing import Any

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
#: Pages beyond this are refused: their offset would overflow PostgreSQL's OFFSET long before
#: any read model holds that many rows.
MAX_PAGE = 1_000_000


def check_page(page: object, page_size: object) -> None:
    """Refuse a page outside 1..1000000 or a page size outside 1..500 (naming the field)."""
    if not _whole(page) or not 1 <= page <= MAX_PAGE:  # type: ignore[operator]
        msg = f"page must be a whole number from 1 to {MAX_PAGE}"
        raise ValueError(msg)
    if not _whole(page_size) or not 1 <= page_size <= MAX_PAGE_SIZE:  # type: ignore[operator]
        msg = f"page_size must be a whole number from 1 to {MAX_PAGE_SIZE}"
        raise ValueError(msg)


def limit_offset(page: int, page_size: int) -> dict[str, Any]:
    """Return the ``limit`` and ``offset`` query parameters of a checked page."""
    check_page(page, page_size)
    return {"limit": page_size, "offset": (page - 1) * page_size}


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
