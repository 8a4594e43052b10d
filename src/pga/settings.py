"""The service's settings, read once from the ``PGA_*`` environment variables and validated."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeVar, cast, get_args

from pga.domain.catalogue import OFFENCE_CATEGORIES, PartnerRole
from pga.domain.network import NetworkStep

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]

DATABASE_URL = "PGA_DATABASE_URL"
DATABASE_SCHEMA = "PGA_DATABASE_SCHEMA"
DATA_DIR = "PGA_DATA_DIR"
SNAPSHOT_INTERVAL = "PGA_SNAPSHOT_INTERVAL"
DB_POOL_SIZE = "PGA_DB_POOL_SIZE"
LOG_LEVEL = "PGA_LOG_LEVEL"
INCLUDED_OFFENCES = "PGA_INCLUDED_OFFENCES"
PROJECTION_BATCH_SIZE = "PGA_PROJECTION_BATCH_SIZE"
CASELOAD_TURNS_18_DAYS = "PGA_CASELOAD_TURNS_18_DAYS"
CASELOAD_INACTIVE_DAYS = "PGA_CASELOAD_INACTIVE_DAYS"
NETWORK_STEP_DAYS = "PGA_NETWORK_STEP_DAYS"
FIGURES_MINIMUM_CELL = "PGA_FIGURES_MINIMUM_CELL"
PSEUDONYM_KEY = "PGA_PSEUDONYM_KEY"
REGIE_ORGANISATIONS = "PGA_REGIE_ORGANISATIONS"
JWT_SECRET = "PGA_JWT_SECRET"  # noqa: S105 - the variable's name
JWT_PUBLIC_KEY = "PGA_JWT_PUBLIC_KEY"
JWT_JWKS_FILE = "PGA_JWT_JWKS_FILE"
JWT_ALGORITHMS = "PGA_JWT_ALGORITHMS"
JWT_ISSUER = "PGA_JWT_ISSUER"
JWT_AUDIENCE = "PGA_JWT_AUDIENCE"
API_MAX_BODY_BYTES = "PGA_API_MAX_BODY_BYTES"
API_WAIT_SECONDS = "PGA_API_WAIT_SECONDS"
READY_MAX_LAG_SECONDS = "PGA_READY_MAX_LAG_SECONDS"
SERVE_PROJECTIONS = "PGA_SERVE_PROJECTIONS"
AGGREGATE_CACHE_SIZE = "PGA_AGGREGATE_CACHE_SIZE"
MASTER_KEY = "PGA_MASTER_KEY"
MASTER_KEY_FILE = "PGA_MASTER_KEY_FILE"
KEYS_DATABASE_URL = "PGA_KEYS_DATABASE_URL"
INFORMATION_LETTER_DAYS = "PGA_INFORMATION_LETTER_DAYS"
ACCESS_PURPOSES = "PGA_ACCESS_PURPOSES"
AUDIT_ORGANISATIONS = "PGA_AUDIT_ORGANISATIONS"
CREATE_TABLES = "PGA_CREATE_TABLES"
ACCESS_LOG_MAX_DELAY_MS = "PGA_ACCESS_LOG_MAX_DELAY_MS"
RETENTION_AGE_LIMIT = "PGA_RETENTION_AGE_LIMIT"
RETENTION_TRAJECTORY_YEARS = "PGA_RETENTION_TRAJECTORY_YEARS"
RETENTION_NAME_LIST_DAYS = "PGA_RETENTION_NAME_LIST_DAYS"
RETENTION_NETWORK_YEARS = "PGA_RETENTION_NETWORK_YEARS"
RETENTION_INTERVAL_HOURS = "PGA_RETENTION_INTERVAL_HOURS"
#: A master key is exactly this many random bytes (given base64-encoded).
MASTER_KEY_BYTES = 32
_MIN_SECRET_LENGTH = 32

_URL_SCHEMES = ("postgresql://", "postgres://")
#: At most 40 characters: each read model's schema is named ``<schema>_<read model>__next`` during
#: a rebuild, and PostgreSQL identifiers end at 63.
MAX_SCHEMA_LENGTH = 40
_SQL_IDENTIFIER = re.compile(rf"[a-z_][a-z0-9_]{{0,{MAX_SCHEMA_LENGTH - 1}}}")
_T = TypeVar("_T")
_ORGANISATION = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
#: Signing algorithms a token may be verified with (never ``none``; chosen by configuration).
SYMMETRIC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")


class SettingsError(ValueError):
    """A ``PGA_*`` variable holds a value the service cannot use; the message never echoes it."""

    def __init__(self, variable: str, message: str) -> None:
        """Name the offending variable and say what is wrong with it."""
        super().__init__(f"{variable}: {message}")
        self.variable = variable
        self.message = message


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the service reads from its environment, typed and already validated."""

    database_url: str | None = None
    database_schema: str = "pga"
    data_dir: Path = field(default_factory=lambda: Path("var").resolve())
    snapshot_interval: int = 50
    db_pool_size: int = 5
    log_level: LogLevel = "INFO"
    included_offences: tuple[str, ...] = ()
    projection_batch_size: int = 5000
    """Events per read-model transaction while catching up or rebuilding."""
    caseload_turns_18_days: int = 90
    """The caseload signals a youth who turns 18 within this many days."""
    caseload_inactive_days: int = 30
    """The caseload signals a trajectory without activity for this many days."""
    network_step_days: Mapping[str, int | None] = field(default_factory=dict)
    """Due periods per 7-stappenmodel step that replace the defaults (``None``: no due date)."""
    figures_minimum_cell: int = 5
    """Management figures suppress counts below this (small-cell protection)."""
    pseudonym_key: bytes = field(default=b"", repr=False)
    """Keys one-way digests of guessable identifiers (police references) in read models."""
    regie_organisations: tuple[str, ...] = ("gemeente-almere", "ggd-flevoland")
    """The municipality and the organisations that direct cases on its behalf (their regisseurs
    and procesregisseurs act on this deployment's data; the first is the municipality)."""
    jwt_secret: str | None = field(default=None, repr=False)
    """The shared HS256 secret (development); unset when tokens come from an identity provider."""
    jwt_public_key: Path | None = None
    """A PEM file with the identity provider's public key (RS256/ES256, production)."""
    jwt_jwks_file: Path | None = None
    """A JWKS file with the identity provider's public keys, chosen by the token's ``kid``."""
    jwt_algorithms: tuple[str, ...] = ()
    """The algorithms tokens are accepted with; empty: HS256 with a secret, RS256 otherwise."""
    jwt_issuer: str | None = None
    """When set, tokens must carry this ``iss``."""
    jwt_audience: str | None = None
    """When set, tokens must carry this ``aud``."""
    api_max_body_bytes: int = 65_536
    """Request bodies above this many bytes are refused (413)."""
    api_wait_seconds: float = 2.0
    """How long a command with ``Prefer: return=representation`` waits for the read models."""
    ready_max_lag_seconds: float = 30.0
    """/health/ready fails when a read model is further behind the event store than this."""
    aggregate_cache_size: int = 1000
    """Aggregates each process keeps in memory (0: none); a cached one is brought up to date
    with the events stored after it on every load, so several processes stay correct."""
    serve_projections: bool = True
    """``pga serve`` runs the projection runner in each worker (one is active, others stand by)."""
    master_key: bytes | None = field(default=None, repr=False)
    """The installation's master key (32 bytes); per-purpose keys are derived from it."""
    master_key_file: Path | None = None
    """A file holding the base64 master key; without either, a development key in ``data_dir``."""
    keys_database_url: str | None = None
    """The database of the per-subject data keys (``pga.store.subject_keys``); unset: a sibling
    of the event store's database on the same server, named ``<event store database>_keys``."""
    information_letter_days: int = 30
    """The information letter (informatieplicht) is due this many days after the referral or
    the placement on a name list (AVG art. 14(3)(a): at the latest within one month)."""
    create_tables: bool = True
    """Whether the service creates the event store's schema and tables, the access log and the
    checkpoints when it starts. ``False`` for a database role that may only read and append
    there: an administrator created them (``pga db init``) and granted the role (``pga db
    grant``)."""
    access_log_max_delay_ms: int = 50
    """How long after a response its access-log entry may be committed (batched with the
    entries of the moments after it); 0: every response waits until its entry is committed."""
    access_purposes: Mapping[str, str] = field(default_factory=dict)
    """Per role, the purpose its reads are logged with when a request names none (role value →
    a code of ``pga.audit.purposes.PURPOSES``); roles not named keep the built-in default."""
    retention_age_limit: int = 23
    """Everything about a youth is erased on this birthday (``pga.rights.retention``)."""
    retention_trajectory_years: int = 5
    """A closed trajectory is erased this many years after its closing."""
    retention_name_list_days: int = 0
    """A closed network's name list is destroyed this many days after its closing."""
    retention_network_years: int = 5
    """A closed network's file is erased this many years after its closing."""
    retention_interval_hours: int = 24
    """How often ``pga serve`` runs retention (in one worker; the first run at the start);
    0: never (run ``pga retention run`` from a scheduler instead)."""
    audit_organisations: tuple[str, ...] = ()
    """Whose ``auditor`` role may use the auditor's API; empty: any organisation's (the identity
    provider decides who is an auditor: an audit office, the data protection officer)."""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read and validate the settings from ``environ`` (default: the process environment)."""
        env = os.environ if environ is None else environ
        return cls(
            database_url=_read(env, DATABASE_URL, None, _database_url),
            database_schema=_read(env, DATABASE_SCHEMA, "pga", _sql_identifier),
            data_dir=_read(env, DATA_DIR, Path("var").resolve(), _directory),
            snapshot_interval=_read(env, SNAPSHOT_INTERVAL, 50, _integer_between(2, 10_000)),
            db_pool_size=_read(env, DB_POOL_SIZE, 5, _integer_between(1, 100)),
            log_level=_read(env, LOG_LEVEL, "INFO", _log_level),
            included_offences=_read(env, INCLUDED_OFFENCES, (), _code_list),
            projection_batch_size=_read(
                env, PROJECTION_BATCH_SIZE, 5000, _integer_between(1, 100_000)
            ),
            caseload_turns_18_days=_read(env, CASELOAD_TURNS_18_DAYS, 90, _integer_between(0, 366)),
            caseload_inactive_days=_read(
                env, CASELOAD_INACTIVE_DAYS, 30, _integer_between(1, 3650)
            ),
            network_step_days=_read(env, NETWORK_STEP_DAYS, {}, _step_days),
            figures_minimum_cell=_read(env, FIGURES_MINIMUM_CELL, 5, _integer_between(3, 100)),
            pseudonym_key=_read(env, PSEUDONYM_KEY, b"", _secret),
            regie_organisations=_read(
                env, REGIE_ORGANISATIONS, ("gemeente-almere", "ggd-flevoland"), _organisations
            ),
            jwt_secret=_read(env, JWT_SECRET, None, _jwt_secret),
            jwt_public_key=_read(env, JWT_PUBLIC_KEY, None, _existing_file),
            jwt_jwks_file=_read(env, JWT_JWKS_FILE, None, _existing_file),
            jwt_algorithms=_read(env, JWT_ALGORITHMS, (), _algorithms),
            jwt_issuer=_read(env, JWT_ISSUER, None, str),
            jwt_audience=_read(env, JWT_AUDIENCE, None, str),
            api_max_body_bytes=_read(
                env, API_MAX_BODY_BYTES, 65_536, _integer_between(1_024, 10_485_760)
            ),
            api_wait_seconds=_read(env, API_WAIT_SECONDS, 2.0, _seconds_between(0.0, 30.0)),
            ready_max_lag_seconds=_read(
                env, READY_MAX_LAG_SECONDS, 30.0, _seconds_between(0.1, 86_400.0)
            ),
            serve_projections=_read(env, SERVE_PROJECTIONS, True, _boolean),  # noqa: FBT003
            aggregate_cache_size=_read(
                env, AGGREGATE_CACHE_SIZE, 1000, _integer_between(0, 1_000_000)
            ),
            master_key=_read(env, MASTER_KEY, None, master_key_bytes),
            master_key_file=_read(env, MASTER_KEY_FILE, None, _existing_file),
            keys_database_url=_read(env, KEYS_DATABASE_URL, None, _database_url),
            information_letter_days=_read(
                env, INFORMATION_LETTER_DAYS, 30, _integer_between(1, 366)
            ),
            create_tables=_read(env, CREATE_TABLES, True, _boolean),  # noqa: FBT003
            access_log_max_delay_ms=_read(
                env, ACCESS_LOG_MAX_DELAY_MS, 50, _integer_between(0, 1000)
            ),
            access_purposes=_read(env, ACCESS_PURPOSES, {}, _access_purposes),
            audit_organisations=_read(env, AUDIT_ORGANISATIONS, (), _organisations),
            retention_age_limit=_read(env, RETENTION_AGE_LIMIT, 23, _integer_between(18, 120)),
            retention_trajectory_years=_read(
                env, RETENTION_TRAJECTORY_YEARS, 5, _integer_between(0, 100)
            ),
            retention_name_list_days=_read(
                env, RETENTION_NAME_LIST_DAYS, 0, _integer_between(0, 36_500)
            ),
            retention_network_years=_read(
                env, RETENTION_NETWORK_YEARS, 5, _integer_between(0, 100)
            ),
            retention_interval_hours=_read(
                env, RETENTION_INTERVAL_HOURS, 24, _integer_between(0, 8_760)
            ),
        ).checked()

    def checked(self) -> Settings:
        """Return the settings; refuse combinations of variables that contradict each other."""
        if self.master_key is not None and self.master_key_file is not None:
            raise SettingsError(MASTER_KEY, f"set {MASTER_KEY} or {MASTER_KEY_FILE}, not both")
        return self


def _read(
    environ: Mapping[str, str],
    variable: str,
    default: _T,
    parse: Callable[[str], _T],
) -> _T:
    """Parse one variable; unset or blank means the default, a parse failure names the variable."""
    raw = environ.get(variable, "").strip()
    if not raw:
        return default
    try:
        return parse(raw)
    except ValueError as error:
        raise SettingsError(variable, str(error)) from None


def _database_url(raw: str) -> str:
    # The URL may hold a password, so the message describes the problem without quoting it.
    if not raw.startswith(_URL_SCHEMES):
        msg = "must be a PostgreSQL URL starting with postgresql:// or postgres://"
        raise ValueError(msg)
    return raw


def _sql_identifier(raw: str) -> str:
    if not _SQL_IDENTIFIER.fullmatch(raw):
        msg = (
            f"{raw!r} is not a lowercase SQL identifier "
            "(a letter or underscore, then letters, digits or underscores, "
            f"at most {MAX_SCHEMA_LENGTH} in all)"
        )
        raise ValueError(msg)
    return raw


def _directory(raw: str) -> Path:
    return Path(raw).expanduser().resolve()


def _integer_between(lowest: int, highest: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            msg = f"{raw!r} is not a whole number"
            raise ValueError(msg) from None
        if not lowest <= value <= highest:
            msg = f"{value} is out of range: must be between {lowest} and {highest}"
            raise ValueError(msg)
        return value

    return parse


def _access_purposes(raw: str) -> dict[str, str]:
    """Parse ``role=purpose,…`` (e.g. ``jeugdreclassering=casusoverleg``)."""
    from pga.audit.purposes import PURPOSES  # noqa: PLC0415 - the register, a leaf module

    roles = {role.value for role in PartnerRole}
    purposes: dict[str, str] = {}
    for item in raw.split(","):
        role, equals, purpose = (part.strip() for part in item.partition("="))
        if not equals or role not in roles:
            msg = "must be a comma-separated list of role=purpose with known roles"
            raise ValueError(msg)
        if purpose not in PURPOSES:
            msg = f"unknown purpose for {role}: use one of {', '.join(PURPOSES)}"
            raise ValueError(msg)
        purposes[role] = purpose
    return purposes


def _log_level(raw: str) -> LogLevel:
    levels = get_args(LogLevel)
    level = raw.upper()
    if level not in levels:
        msg = f"{raw!r} is not a log level: use one of {', '.join(levels)}"
        raise ValueError(msg)
    return cast("LogLevel", level)


def _code_list(raw: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in raw.split(","))
    if any(not code for code in codes):
        msg = "must be a comma-separated list of offence codes without empty items"
        raise ValueError(msg)
    unknown = [code for code in codes if code not in OFFENCE_CATEGORIES]
    if unknown:
        msg = (
            f"unknown offence categories {', '.join(map(repr, unknown))}; "
            f"known are: {', '.join(OFFENCE_CATEGORIES.codes())}"
        )
        raise ValueError(msg)
    return codes


def _step_days(raw: str) -> dict[str, int | None]:
    """Parse ``stap_1=28,stap_2a=none``: days per step, ``none`` for no due date."""
    steps = [step.value for step in NetworkStep if step is not NetworkStep.CLOSED]
    days: dict[str, int | None] = {}
    parse_days = _integer_between(1, 3650)
    for item in raw.split(","):
        step, separator, value = (part.strip() for part in item.partition("="))
        if not separator or step not in steps:
            msg = (
                f"{item.strip()!r} is not STEP=DAYS with a step of the 7-stappenmodel "
                f"({', '.join(steps)}) and a number of days or 'none'"
            )
            raise ValueError(msg)
        if step in days:
            msg = f"step {step} is given twice"
            raise ValueError(msg)
        days[step] = None if value.lower() == "none" else parse_days(value)
    return days


def _secret(raw: str) -> bytes:
    """Return a 32-byte key derived from a secret of at least 32 characters (never echoed)."""
    if len(raw) < _MIN_SECRET_LENGTH:
        msg = f"must be a secret of at least {_MIN_SECRET_LENGTH} characters"
        raise ValueError(msg)
    return hashlib.sha256(raw.encode()).digest()


def master_key_bytes(raw: str) -> bytes:
    """Decode a base64 master key of exactly 32 bytes (the message never echoes the value)."""
    standard = raw.strip().replace("-", "+").replace("_", "/")  # urlsafe base64 too
    try:
        key = base64.b64decode(standard, validate=True)
    except (binascii.Error, ValueError):
        msg = f"must be the base64 encoding of {MASTER_KEY_BYTES} random bytes"
        raise ValueError(msg) from None
    if len(key) != MASTER_KEY_BYTES:
        msg = (
            f"must be the base64 encoding of exactly {MASTER_KEY_BYTES} bytes "
            f"(this one holds {len(key)})"
        )
        raise ValueError(msg)
    return key


def _organisations(raw: str) -> tuple[str, ...]:
    organisations = tuple(each.strip() for each in raw.split(","))
    wrong = [each for each in organisations if not _ORGANISATION.fullmatch(each)]
    if wrong:
        msg = f"{', '.join(map(repr, wrong))}: not organisation ids like 'gemeente-almere'"
        raise ValueError(msg)
    return organisations


def _jwt_secret(raw: str) -> str:
    """Keep the HS256 secret as given (never echoed); refuse short ones."""
    if len(raw) < _MIN_SECRET_LENGTH:
        msg = f"must be a secret of at least {_MIN_SECRET_LENGTH} characters"
        raise ValueError(msg)
    return raw


def _existing_file(raw: str) -> Path:
    path = Path(raw).expanduser().resolve()
    if not path.is_file():
        msg = "must name an existing file"
        raise ValueError(msg)
    return path


def _algorithms(raw: str) -> tuple[str, ...]:
    known = SYMMETRIC_ALGORITHMS + ASYMMETRIC_ALGORITHMS
    algorithms = tuple(each.strip() for each in raw.split(","))
    unknown = [each for each in algorithms if each not in known]
    if unknown or not algorithms:
        msg = f"unknown algorithms {', '.join(map(repr, unknown))}; known are: {', '.join(known)}"
        raise ValueError(msg)
    if set(algorithms) & set(SYMMETRIC_ALGORITHMS) and set(algorithms) - set(SYMMETRIC_ALGORITHMS):
        msg = "mixes shared-secret (HS*) and public-key algorithms; configure one kind"
        raise ValueError(msg)
    return algorithms


def _seconds_between(lowest: float, highest: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            msg = f"{raw!r} is not a number of seconds"
            raise ValueError(msg) from None
        if not lowest <= value <= highest:
            msg = f"{value} is out of range: must be between {lowest} and {highest}"
            raise ValueError(msg)
        return value

    return parse


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _boolean(raw: str) -> bool:
    value = raw.lower()
    if value not in _TRUE | _FALSE:
        msg = f"{raw!r} is not a yes/no value (use true or false)"
        raise ValueError(msg)
    return value in _TRUE
