"""Paging shared by every list query of the read models (NLGov: ``page`` and ``pageSize``)."""

from __future__ import annotations

from typing import Any

from psycopg import sql

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


def page_with_total(
    count: sql.Composable, rows: sql.Composable, order: sql.Composable
) -> sql.Composed:
    """Return one statement for a page and the number of matching rows (one snapshot).

    ``count`` is the ``SELECT count(*) …`` of the matching rows, ``rows`` the page's
    ``SELECT … ORDER BY … LIMIT … OFFSET …``, and ``order`` the same order over the alias ``p``.
    Counting apart from the page spares computing a page's expressions for every matching row;
    ``split_total`` takes the answer apart.
    """
    return sql.SQL(
        "SELECT p.*, t.total FROM ({count}) AS t (total)"
        " LEFT JOIN LATERAL ({rows}) AS p ON TRUE ORDER BY {order}"
    ).format(count=count, rows=rows, order=order)


def split_total(rows: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], int]:
    """Return a ``page_with_total`` answer's page rows (without the total) and the total.

    Every row ends with the total; an empty page is one row of NULLs that carries it.
    """
    total = int(rows[0][-1]) if rows else 0
    return [row[:-1] for row in rows if row[0] is not None], total
