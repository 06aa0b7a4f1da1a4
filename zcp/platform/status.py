"""The API's status vocabularies and the pure rules built on them.

Every enum on the Zerops wire is an open set: unknown values must pass through untouched. This module
names the values zcp reasons about and folds the alternative spellings seen live (``DONE``,
``CANCELLED``) into the canonical ones.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

# --- processes ---------------------------------------------------------------------------------

PENDING: Final = "PENDING"
RUNNING: Final = "RUNNING"
FINISHED: Final = "FINISHED"
FAILED: Final = "FAILED"
CANCELED: Final = "CANCELED"
ROLLBACKING: Final = "ROLLBACKING"
CANCELING: Final = "CANCELING"

#: Only these keep a poller waiting; everything else (``ROLLBACKING`` and ``CANCELING`` too) is final.
PROCESS_IN_PROGRESS: Final = frozenset({PENDING, RUNNING})

_PROCESS_SPELLINGS: Final = {"DONE": FINISHED, "CANCELLED": CANCELED}


def normalize_process_status(raw: str) -> str:
    """Fold the API's alternative spellings: ``DONE`` → ``FINISHED``, ``CANCELLED`` → ``CANCELED``."""
    value = raw.strip().upper()
    return _PROCESS_SPELLINGS.get(value, value)


def process_in_progress(raw: str) -> bool:
    """True while a process is ``PENDING`` or ``RUNNING``."""
    return normalize_process_status(raw) in PROCESS_IN_PROGRESS


# --- app versions ------------------------------------------------------------------------------

APP_VERSION_ACTIVE: Final = "ACTIVE"
#: The happy path, in order; a build that leaves it without reaching ACTIVE failed.
APP_VERSION_PIPELINE: Final = (
    "UPLOADING",
    "WAITING_TO_BUILD",
    "BUILDING",
    "PREPARING_RUNTIME",
    "WAITING_TO_DEPLOY",
    "DEPLOYING",
    APP_VERSION_ACTIVE,
)
APP_VERSION_IN_PROGRESS: Final = frozenset(APP_VERSION_PIPELINE[:-1])

# --- services ----------------------------------------------------------------------------------

SERVICE_ACTIVE: Final = "ACTIVE"
SERVICE_RUNNING: Final = "RUNNING"
SERVICE_READY_TO_DEPLOY: Final = "READY_TO_DEPLOY"
SERVICE_DELETING: Final = "DELETING"
#: ``RUNNING`` is not in the SDK enum but is accepted as healthy alongside ``ACTIVE``.
SERVICE_HEALTHY: Final = frozenset({SERVICE_ACTIVE, SERVICE_RUNNING})

# --- stack type categories ---------------------------------------------------------------------

CATEGORY_RUNTIME: Final = "USER"
CATEGORY_MANAGED: Final = "STANDARD"
CATEGORY_SHARED_STORAGE: Final = "SHARED_STORAGE"
CATEGORY_OBJECT_STORAGE: Final = "OBJECT_STORAGE"
#: Platform plumbing that is hidden from users.
SYSTEM_CATEGORIES: Final = frozenset({"CORE", "BUILD", "INTERNAL", "PREPARE_RUNTIME", "HTTP_L7_BALANCER"})
MANAGED_CATEGORIES: Final = frozenset({CATEGORY_MANAGED, CATEGORY_SHARED_STORAGE, CATEGORY_OBJECT_STORAGE})
CATEGORY_LABELS: Final = {
    CATEGORY_RUNTIME: "Runtime",
    CATEGORY_MANAGED: "Managed",
    CATEGORY_SHARED_STORAGE: "Shared storage",
    CATEGORY_OBJECT_STORAGE: "Object storage",
}


def is_system_category(category: str) -> bool:
    """True for categories zcp hides (build containers, core, balancers…)."""
    return category.upper() in SYSTEM_CATEGORIES


def is_managed_category(category: str) -> bool:
    """True for databases, caches, brokers and storage: services without user code."""
    return category.upper() in MANAGED_CATEGORIES


# --- time --------------------------------------------------------------------------------------


def parse_timestamp(value: str | None) -> datetime | None:
    """An API timestamp as an aware datetime; ``None`` when missing or unparseable.

    The API sends RFC 3339 with 0–9 fractional digits; Python keeps microseconds, so nanoseconds are
    truncated, which is harmless for ordering and durations.
    """
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        fraction, zone = rest[:digits], rest[digits:]
        text = f"{head}.{(fraction + '000000')[:6]}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 in UTC with millisecond precision and a ``Z`` suffix, as the API writes it."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
