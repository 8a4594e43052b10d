"""What the resource modules share: the JSON base struct, query errors, calling a command."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import msgspec
from litestar.params import QueryParameter

from pga.api.problems import BadRequest, InvalidParam, camel_case, without_values
from pga.domain.catalogue import PartnerRole
from pga.domain.common import MAX_SHORT_TEXT, MAX_TEXT, Involvement
from projections.paging import MAX_PAGE, MAX_PAGE_SIZE

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from uuid import UUID

    from pga.application import PgaApplication, Recorded
    from pga.recording import CommandContext


#: The paging query parameters of every list (NLGov pagination: ``page`` from 1, ``pageSize``).
Page = Annotated[int, QueryParameter(name="page", ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, QueryParameter(name="pageSize", ge=1, le=MAX_PAGE_SIZE)]


class Camel(msgspec.Struct, kw_only=True, rename="camel"):
    """Base of the API's own JSON shapes: camelCase keys (ADR /core/naming)."""


#: Free text (notes, reasons, findings); the domain's limit.
Text = Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_TEXT)]
#: A catalogue code (an offence category, a legal basis, an intervention kind…).
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
#: An organisation id; the domain checks the slug form.
Organisation = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=MAX_SHORT_TEXT,
        description="Een organisatie-id in kleine letters, zoals 'gemeente-almere'.",
    ),
]


class PartnerIn(Camel, forbid_unknown_fields=True):
    """A partner organisation taking part: in which role, on which basis, since when."""

    organisation: Organisation
    role: PartnerRole
    legal_basis: Code
    since: date


class PartnerView(Camel):
    """A partner organisation taking part in a trajectory or a network's approach."""

    organisation: str
    role: PartnerRole
    legal_basis: str
    since: date

    @classmethod
    def of(cls, involvement: Involvement) -> PartnerView:
        """Show the domain's involvement."""
        return cls(
            organisation=involvement.organisation,
            role=involvement.role,
            legal_basis=involvement.legal_basis,
            since=involvement.since,
        )


def query_error(error: ValueError) -> BadRequest:
    """Turn a query value a read model refused into a 400 naming the query key.

    The read models' messages start with the field's (snake_case) name and name allowed values,
    never the value received; quoted text is dropped all the same.
    """
    message = without_values(str(error))
    name = camel_case(message.split(" ", 1)[0])
    return BadRequest(
        f"Ongeldige query-parameter: {name}.",
        rule="invalid-query",
        params=[InvalidParam(name=name, reason=message, source="query")],
    )


def call_command(method: str) -> Callable[..., Recorded]:
    """Call ``app.<method>(context[, id, version], **body, **path ids)``.

    The body's fields and the route's extra path parameters are the method's keyword names;
    a creating command (no aggregate id) gets neither id nor version; JSON arrays reach the
    application as the tuples its commands take.
    """

    def call(
        app: PgaApplication,
        context: CommandContext,
        aggregate_id: UUID | None,
        version: int | None,
        body: msgspec.Struct,
        path: Mapping[str, Any],
    ) -> Recorded:
        fields = {name: _immutable(getattr(body, name)) for name in body.__struct_fields__}
        command = getattr(app, method)
        result: Recorded = (
            command(context, **fields, **path)
            if aggregate_id is None
            else command(context, aggregate_id, version, **fields, **path)
        )
        return result

    return call


def _immutable(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value
