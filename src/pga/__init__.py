"""pga: an event-sourced coordination platform for the persons-oriented approach."""

__version__ = "0.1.0"
