"""/api/v1/figures: the management figures per half-year, small counts suppressed.

Each half-year is a resource of its own:

- ``GET /figures`` lists the half-years the stored events cover, oldest first (the last one may
  still be running), each with its period id (``2026-H1``), year, half and first and last day.
- ``GET /figures/{period}`` answers one half-year's figures (``projections.figures.half_year``)
  with the configured ``PGA_FIGURES_MINIMUM_CELL``. ``period`` is ``YYYY-H1`` or ``YYYY-H2``
  (``h`` in lower case is accepted too); anything else is 400, a half-year outside the list is
  404 (there is nothing to count there).

A path per half-year rather than ``/figures?period=``: a half-year's figures are one document
with a stable address that reports can cite, and the list links to them by the same id.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import PathParameter

from pga.api.common import Camel
from pga.api.problems import READ_PROBLEMS, BadRequest, InvalidParam
from pga.api.state import FIGURES_ROLES, api_state, requires
from projections.figures import HalfYear, HalfYearFigures, half_year, half_years

if TYPE_CHECKING:
    from litestar.handlers import HTTPRouteHandler

TAG = "figures"
_GUARDS = [requires(*FIGURES_ROLES)]
_PERIOD = re.compile(r"(\d{4})-[Hh]([12])")


class NoFigures(NotFoundException):
    """A half-year outside the ones the stored events cover (404 ``no-figures``)."""

    rule = "no-figures"
    pga_detail = True

    def __init__(self) -> None:
        super().__init__(detail="Over dit halfjaar zijn geen gegevens vastgelegd.")


class FigurePeriod(Camel):
    """A half-year with figures: ``GET /figures/{period}`` answers them."""

    period: str
    """The half-year's id, ``2026-H1`` (January to June) or ``2026-H2`` (July to December)."""
    year: int
    half: int
    starts_on: date
    ends_on: date


class FigurePeriods(Camel):
    """Every half-year the stored events cover, oldest first."""

    items: list[FigurePeriod]
    total: int


@get(
    "/figures",
    operation_id="listFigurePeriods",
    opt={"personal_data": False},
    summary="De halfjaren waarover managementcijfers beschikbaar zijn",
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def list_figure_periods(request: Request[Any, Any, Any]) -> FigurePeriods:
    """List the half-years from the first to the last business date stored."""
    state = api_state(request)
    with state.connection() as connection:
        periods = half_years(connection, state.schema)
    return FigurePeriods(items=[_period(each) for each in periods], total=len(periods))


#: ``2026-H1``: a year and its first or second half (``h`` is accepted in lower case too).
Period = Annotated[str, PathParameter(pattern=r"^\d{4}-[Hh][12]$", max_length=7)]


@get(
    "/figures/{period:str}",
    operation_id="getFigures",
    opt={"personal_data": False},
    summary="De managementcijfers van één halfjaar (kleine aantallen onderdrukt)",
    description=(
        "period is JJJJ-H1 (januari tot en met juni) of JJJJ-H2 (juli tot en met december). "
        "Een onderdrukt aantal heeft value null en suppressed true, nooit 0."
    ),
    tags=[TAG],
    guards=_GUARDS,
    responses=READ_PROBLEMS,
    sync_to_thread=True,
)
def get_figures(request: Request[Any, Any, Any], period: Period) -> HalfYearFigures:
    """Return one half-year's figures (400: not a half-year; 404: outside the covered ones)."""
    state = api_state(request)
    wanted = _parse(period)
    with state.connection() as connection:
        if wanted not in half_years(connection, state.schema):
            raise NoFigures
        return half_year(
            connection,
            state.schema,
            wanted.year,
            wanted.half,
            minimum_cell=state.minimum_cell,
            catalogue=state.app.catalogue,
        )


def _parse(period: str) -> HalfYear:
    """Return the half-year ``period`` names; 400 for anything that is not one."""
    matched = _PERIOD.fullmatch(period)
    if matched is not None:
        with contextlib.suppress(ValueError):  # year 0000
            return HalfYear(int(matched.group(1)), int(matched.group(2)))
    reason = "een halfjaar als 2026-H1 of 2026-H2"
    raise BadRequest(
        "Ongeldige periode: gebruik JJJJ-H1 of JJJJ-H2.",
        rule="invalid-period",
        params=[InvalidParam(name="period", reason=reason, source="path")],
    )


def _period(period: HalfYear) -> FigurePeriod:
    return FigurePeriod(
        period=period.label,
        year=period.year,
        half=period.half,
        starts_on=period.starts_on,
        ends_on=period.ends_on,
    )


def handlers() -> list[HTTPRouteHandler]:
    """Every /figures operation."""
    return [list_figure_periods, get_figures]
