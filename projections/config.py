"""The read models' query configuration, taken from the service's settings.

What the read models store never depends on configuration (so a changed threshold needs no
rebuild); these values only change how the query functions judge rows against "today".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from projections.caseload import CaseloadThresholds
from projections.network_board import DEFAULT_DEADLINES, StepDeadlines

if TYPE_CHECKING:
    from pga.settings import Settings


def caseload_thresholds(settings: Settings) -> CaseloadThresholds:
    """Return when the caseload's signals fire (``PGA_CASELOAD_*``)."""
    return CaseloadThresholds(
        turns_18_within_days=settings.caseload_turns_18_days,
        inactive_days=settings.caseload_inactive_days,
        information_letter_days=settings.information_letter_days,
    )


def step_deadlines(settings: Settings) -> StepDeadlines:
    """Return the due period per network step (the defaults, overridden per step) and letter."""
    return msgspec.structs.replace(
        DEFAULT_DEADLINES,
        **dict(settings.network_step_days),
        information_letter=settings.information_letter_days,
    )


def figures_minimum_cell(settings: Settings) -> int:
    """Return the smallest count the management figures publish (``PGA_FIGURES_MINIMUM_CELL``)."""
    return settings.figures_minimum_cell
