"""Read models of pga: one module per read model, run by ``projections.runner``.

``read_models()`` lists them; a new read model (e.g. a partner's filtered view) is one more
module with a ``ReadModel`` subclass and one more entry in ``_REGISTRY``: the runner, the CLI
(``pga project``, ``pga projections ...``) and the tests pick it up from here.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pga.settings import Settings
    from projections.base import ReadModel

#: (module, class) of every read model, in the order status and digests list them.
_REGISTRY: tuple[tuple[str, str], ...] = (
    ("projections.caseload", "Caseload"),
    ("projections.timeline", "Timeline"),
    ("projections.network_board", "NetworkBoard"),
    ("projections.network_graph", "NetworkGraph"),
    ("projections.figures", "Figures"),
    ("projections.partner_views", "PartnerViews"),
    ("projections.rights_requests", "RightsRequests"),
)


def read_models(settings: Settings | None = None) -> list[ReadModel]:
    """Return a fresh instance of every read model (configured from ``settings``, if given)."""
    classes: list[type[ReadModel]] = [
        getattr(import_module(module), class_name) for module, class_name in _REGISTRY
    ]
    return [cls() if settings is None else cls.from_settings(settings) for cls in classes]


def select_read_models(names: list[str], settings: Settings | None = None) -> list[ReadModel]:
    """Return fresh instances of the named read models; raise ``KeyError`` for an unknown name."""
    models = {model.name: model for model in read_models(settings)}
    unknown = [name for name in names if name not in models]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [models[name] for name in names]
