"""Domain errors: every rule the aggregates enforce has its own class and a clear message.

Two families, so the API can map them once: a ``RuleViolation`` is a well-formed request that a
domain rule forbids (422), a ``StateConflict`` is a request that the aggregate's current state
does not allow (409). Every error carries ``rule``, a stable kebab-case name for the rule.
Messages name fields and codes, never personal data.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base class of every error raised by a domain rule."""

    rule: ClassVar[str] = "domain-rule"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RuleViolation(DomainError):
    """The request is well-formed but a domain rule forbids it."""

    rule = "rule-violation"


class StateConflict(DomainError):
    """The request is not allowed in the aggregate's current state."""

    rule = "state-conflict"


# --- values and catalogue ---


class UnknownCatalogueEntry(RuleViolation):
    """A code is not in the catalogue list it must come from."""

    rule = "unknown-catalogue-entry"

    def __init__(self, kind: str, code: str) -> None:
        super().__init__(f"'{code}' is not a known {kind}")
        self.kind = kind
        self.code = code


class InvalidValue(RuleViolation):
    """A field's value is outside what the domain allows."""

    rule = "invalid-value"

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field


class DateOrderViolation(RuleViolation):
    """Two dates are in an impossible order (an end before its start)."""

    rule = "date-order"

    def __init__(self, later_field: str, earlier_field: str) -> None:
        super().__init__(f"{later_field} must not be before {earlier_field}")
        self.later_field = later_field
        self.earlier_field = earlier_field


class ReasonRequired(RuleViolation):
    """The law or the process asks for a recorded reason and none was given."""

    rule = "reason-required"

    def __init__(self, action: str) -> None:
        super().__init__(f"{action} requires a non-empty reason")


# --- trajectory ---


class NotAMinor(RuleViolation):
    """PGA 18min only includes youths under 18 on the day of referral."""

    rule = "not-a-minor"

    def __init__(self, age: int) -> None:
        # The age stays an attribute: a message may reach a log, and an age is personal data.
        super().__init__("the youth must be under 18 on the referral date")
        self.age = age


class OffenceNotIncluded(RuleViolation):
    """The offence category is not on the municipality's inclusion list."""

    rule = "offence-not-included"

    def __init__(self, code: str) -> None:
        super().__init__(f"offence category '{code}' is not on the inclusion list for referrals")
        self.code = code


class TrajectoryClosed(StateConflict):
    """A closed trajectory accepts only rights requests (inzage, correctie, verwijdering)."""

    rule = "trajectory-closed"

    def __init__(self, status: str) -> None:
        super().__init__(
            f"the trajectory is closed (status '{status}'); only rights requests apply"
        )


class StatusTransitionNotAllowed(StateConflict):
    """The trajectory's status machine does not allow this command now."""

    rule = "status-transition"

    def __init__(self, action: str, status: str) -> None:
        super().__init__(f"cannot {action} while the trajectory is '{status}'")
        self.action = action
        self.status = status


class RegisseurUnchanged(StateConflict):
    """Assigning the (proces)regisseur who is already assigned changes nothing and is refused."""

    rule = "regisseur-unchanged"

    def __init__(self) -> None:
        super().__init__("that person is already assigned")


class PartnerAlreadyInvolved(StateConflict):
    """An organisation is involved at most once at a time."""

    rule = "partner-already-involved"

    def __init__(self, organisation: str) -> None:
        super().__init__(f"organisation '{organisation}' is already involved")


class PartnerStillResponsible(StateConflict):
    """A partner that owns open interventions or actions cannot leave before they are ended."""

    rule = "partner-still-responsible"

    def __init__(self, organisation: str, open_items: int, kind: str) -> None:
        super().__init__(
            f"organisation '{organisation}' still owns {open_items} open {kind}(s); end them first",
        )


class PartnerNotInvolved(StateConflict):
    """The organisation is not (or no longer) involved."""

    rule = "partner-not-involved"

    def __init__(self, organisation: str) -> None:
        super().__init__(f"organisation '{organisation}' is not involved")


class WrongOwnerRole(RuleViolation):
    """An intervention is owned by one partner role (catalogue); its responsible partner has it."""

    rule = "intervention-owner-role"

    def __init__(self, intervention_kind: str, owner_role: str, organisation: str) -> None:
        super().__init__(
            f"intervention '{intervention_kind}' is owned by role '{owner_role}', but organisation "
            f"'{organisation}' is not involved in that role",
        )


class AgeOutsideRange(RuleViolation):
    """The intervention is meant for another age band (e.g. Halt: 12 to 17)."""

    rule = "intervention-age-range"

    def __init__(self, intervention_kind: str, age: int, low: int, high: int) -> None:
        super().__init__(f"intervention '{intervention_kind}' is for ages {low} to {high}")
        self.age = age


class UnknownEntity(StateConflict):
    """A referenced intervention, goal, order, member or action does not exist here."""

    rule = "unknown-reference"

    def __init__(self, kind: str, ref: object) -> None:
        super().__init__(f"unknown {kind} '{ref}'")


class DuplicateEntity(StateConflict):
    """An id that must be new is already in use in this aggregate."""

    rule = "duplicate-reference"

    def __init__(self, kind: str, ref: object) -> None:
        super().__init__(f"{kind} '{ref}' already exists")


class InterventionLifecycleViolation(StateConflict):
    """Interventions go planned → started → completed | aborted, in that order."""

    rule = "intervention-lifecycle"

    def __init__(self, action: str, state: str) -> None:
        super().__init__(f"cannot {action} an intervention that is '{state}'")


class MayorOrderTooLong(RuleViolation):
    """An art. 172a order (or one extension of it) lasts at most three months."""

    rule = "mayor-order-max-3-months"

    def __init__(self, limit: str) -> None:
        super().__init__(
            f"an art. 172a order or extension may last at most 3 months (until {limit})"
        )


class TooManyExtensions(StateConflict):
    """An art. 172a order may be extended at most three times."""

    rule = "mayor-order-max-3-extensions"

    def __init__(self) -> None:
        super().__init__("an art. 172a order may be extended at most 3 times")


class NetworkLinkConflict(StateConflict):
    """A trajectory is linked to a network at most once, and unlinked only when linked."""

    rule = "network-link"

    def __init__(self, message: str) -> None:
        super().__init__(message)


class SubjectAlreadyErased(StateConflict):
    """The youth's personal data was already erased."""

    rule = "subject-erased"

    def __init__(self) -> None:
        super().__init__("the youth's personal data has already been erased")


class UnderLegalHold(StateConflict):
    """A legal hold is in place: nothing in the record may be erased until it is lifted."""

    rule = "legal-hold"

    def __init__(self) -> None:
        super().__init__("a legal hold is in place; lift it before erasing")


class ErasedSubjectText(StateConflict):
    """Free text about a youth whose personal data was erased would be personal data again."""

    rule = "subject-erased-no-text"

    def __init__(self, field: str) -> None:
        super().__init__(f"the youth's personal data is erased: record this without '{field}'")


class NameListAlreadyErased(StateConflict):
    """A network's name list is destroyed once."""

    rule = "name-list-erased"

    def __init__(self) -> None:
        super().__init__("the network's name list has already been erased")


class NetworkAlreadyErased(StateConflict):
    """A closed network's file is erased once."""

    rule = "network-erased"

    def __init__(self) -> None:
        super().__init__("the network's file has already been erased")


class InformationLetterAlreadySent(StateConflict):
    """The information letter (informatieplicht) is sent once; its date is recorded once."""

    rule = "information-letter-already-sent"

    def __init__(self, whom: str) -> None:
        super().__init__(f"the information letter to {whom} has already been recorded as sent")


class RightsRequestAlreadyCompleted(StateConflict):
    """A rights request (inzage, correctie, verwijdering) is completed once; then it is closed."""

    rule = "rights-request-completed"

    def __init__(self) -> None:
        super().__init__("the rights request has already been completed")


class RightsRequestAlreadyExtended(StateConflict):
    """A rights request's term is extended at most once (AVG art. 12(3): by two months)."""

    rule = "rights-request-already-extended"

    def __init__(self) -> None:
        super().__init__("the rights request's term has already been extended once")


# --- youth network (7-stappenmodel) -----------------------------------------------------------


class StepOutputMissing(StateConflict):
    """Each step's required output must exist before the network moves on."""

    rule = "step-output-missing"

    def __init__(self, step: str, missing: str) -> None:
        super().__init__(f"step '{step}' is missing its required output: {missing}")
        self.step = step
        self.missing = missing


class StepTransitionNotAllowed(StateConflict):
    """The 7-stappenmodel does not allow this move."""

    rule = "step-transition"

    def __init__(self, from_step: str, to_step: str, how: str) -> None:
        super().__init__(f"cannot {how} from step '{from_step}' to step '{to_step}'")


class NotInStep(StateConflict):
    """The output or action belongs to other steps than the network's current one."""

    rule = "wrong-step"

    def __init__(self, action: str, step: str, allowed: str) -> None:
        super().__init__(f"cannot {action} in step '{step}' (allowed in: {allowed})")


class NamesNotYetAllowed(StateConflict):
    """Person-level data (a name list) enters a network's file only from step 2B on."""

    rule = "names-only-from-step-2b"

    def __init__(self, step: str) -> None:
        super().__init__(f"members can be named only from step 2B on (the network is in '{step}')")


class NetworkClosed(StateConflict):
    """A closed network's file accepts no further steps or outputs."""

    rule = "network-closed"

    def __init__(self) -> None:
        super().__init__("the network's file is closed")
