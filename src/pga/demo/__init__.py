"""Deterministic synthetic demo data at Almere scale: two years of PGA 18min and youth networks.

``generate`` records about 120 trajectories and 8 youth networks through the application, as
the partners would have recorded them from December 2024 to November 2026; ``summarize`` gives
the caseload summary of whatever is stored. The application must be built with
``demo_application_options(seed)`` (a simulated recording clock and seeded ids), so the same
seed gives byte-identical event streams. All names are fictional.
"""

from pga.demo.partners import PARTNERS, DemoPartner
from pga.demo.scenario import generate
from pga.demo.simulation import DemoClock, DemoOptions, SeededIds, demo_application_options
from pga.demo.summary import DemoSummary, summarize

__all__ = [
    "PARTNERS",
    "DemoClock",
    "DemoOptions",
    "DemoPartner",
    "DemoSummary",
    "SeededIds",
    "demo_application_options",
    "generate",
    "summarize",
]
