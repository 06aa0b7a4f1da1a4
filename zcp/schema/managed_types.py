"""Managed-service type strings: the 2026 deployment variants, the legacy ``mode``, and profiles.

Since June 2026 the docs write the deployment of an HA-capable managed service into its type —
``postgresql:single@18`` / ``postgresql:ha@18`` (also ``mariadb``, ``clickhouse``, ``valkey``) —
and pick a tuning ``profile`` beside it (PostgreSQL and Valkey). The older form, ``postgresql@18``
plus ``mode: NON_HA|HA``, is still accepted: ``NON_HA`` ≡ ``:single``, ``HA`` ≡ ``:ha``; next to a
variant, ``mode`` is deprecated and ignored. Other managed services (KeyDB, NATS, Kafka, the search
engines, shared storage) keep ``mode``; object storage has none.

This module is the one place those facts live: schema validation, the sandbox importer and the
knowledge briefings read them from here. Pure functions; nothing is imported beyond the stdlib.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

SINGLE: Final = "single"
HA: Final = "ha"
VARIANTS: Final = (SINGLE, HA)
#: The legacy ``mode`` value each variant stands for.
MODE_OF_VARIANT: Final = {SINGLE: "NON_HA", HA: "HA"}
VARIANT_OF_MODE: Final = {mode: variant for variant, mode in MODE_OF_VARIANT.items()}
#: Technologies whose type carries the deployment variant.
VARIANT_TECHNOLOGIES: Final = frozenset({"postgresql", "mariadb", "clickhouse", "valkey"})

#: Profiles per technology, each with the variants it is allowed on.
PROFILES: Final[Mapping[str, Mapping[str, frozenset[str]]]] = {
    "postgresql": {
        "oltp-hobby": frozenset({SINGLE}),
        "oltp-staging": frozenset(VARIANTS),
        "oltp-production": frozenset(VARIANTS),
        "oltp-enterprise": frozenset({HA}),
        "olap-production": frozenset(VARIANTS),
        "writeheavy-production": frozenset(VARIANTS),
        "custom": frozenset(VARIANTS),
    },
    "valkey": {name: frozenset(VARIANTS) for name in ("hobby", "staging", "production")},
}
#: The profile PostgreSQL takes when none is given, per variant.
DEFAULT_PROFILE: Final = {"postgresql": {SINGLE: "oltp-staging", HA: "oltp-production"}}
#: Which profile may carry ``profileOverrides`` (Valkey: any profile, ``maxmemory-policy`` only).
OVERRIDABLE: Final = {"postgresql": frozenset({"custom"}), "valkey": frozenset(PROFILES["valkey"])}
VALKEY_OVERRIDES: Final = frozenset({"maxmemory-policy"})


@dataclass(frozen=True)
class ServiceType:
    """A type string taken apart: ``postgresql:ha@18`` → technology, variant, version."""

    technology: str
    variant: str | None
    version: str | None

    @property
    def legacy(self) -> str:
        """The type without its variant (``postgresql@18``), as older YAML and the API name it."""
        return f"{self.technology}@{self.version}" if self.version is not None else self.technology

    def with_variant(self, variant: str) -> str:
        """The type in the 2026 form (``postgresql:single@18``)."""
        suffix = f"@{self.version}" if self.version is not None else ""
        return f"{self.technology}:{variant}{suffix}"

    @property
    def takes_variant(self) -> bool:
        return self.technology in VARIANT_TECHNOLOGIES


def parse_type(value: str) -> ServiceType:
    """``postgresql:ha@18`` → (postgresql, ha, 18); ``nodejs@22`` → (nodejs, None, 22); lowercase."""
    text = value.strip().lower()
    head, at, version = text.partition("@")
    technology, colon, variant = head.partition(":")
    return ServiceType(technology, variant if colon else None, version if at else None)


def technology(value: str) -> str:
    """``nodejs@22`` → ``nodejs``; ``postgresql:ha@16`` → ``postgresql``; ``static`` → ``static``."""
    return value.split("@", 1)[0].split(":", 1)[0]


def deployment(value: str, mode: Any = None) -> str:
    """``single`` or ``ha`` for a managed type: the variant in the type wins, then ``mode``."""
    parsed = parse_type(value)
    if parsed.variant in VARIANTS:
        return parsed.variant
    if isinstance(mode, str) and mode.upper() in VARIANT_OF_MODE:
        return VARIANT_OF_MODE[mode.upper()]
    return SINGLE


def both_forms(types: Iterable[str]) -> list[str]:
    """``types`` plus the other spelling of every variant-capable type, in order, without repeats.

    ``postgresql@18`` brings ``postgresql:single@18`` and ``postgresql:ha@18``; a variant brings its
    legacy name. A schema listing only one form then accepts both.
    """
    out: dict[str, None] = {}
    for value in types:
        out[value] = None
        parsed = parse_type(value)
        if not parsed.takes_variant or parsed.version is None:
            continue
        if parsed.variant is None:
            for variant in VARIANTS:
                out.setdefault(parsed.with_variant(variant), None)
        elif parsed.variant in VARIANTS:
            out.setdefault(parsed.legacy, None)
    return list(out)


@dataclass(frozen=True)
class TypeFinding:
    """Something about one service entry's type, mode or profile.

    ``blocking`` findings are errors (the platform refuses them); the rest are notes.
    """

    key: str  # "type", "mode", "profile" or "profileOverrides"
    message: str
    suggestion: str | None = None
    blocking: bool = True


def check_entry(entry: Mapping[str, Any]) -> list[TypeFinding]:
    """What is wrong (or worth knowing) about an import entry's ``type``/``mode``/``profile``."""
    type_value = entry.get("type")
    if not isinstance(type_value, str):
        return []
    parsed = parse_type(type_value)
    findings: list[TypeFinding] = []
    mode = entry.get("mode")
    if parsed.variant is not None and parsed.variant not in VARIANTS:
        findings.append(
            TypeFinding("type", f"unknown deployment variant {parsed.variant!r}", "Use :single or :ha.")
        )
        return findings
    if parsed.variant is not None and not parsed.takes_variant:
        findings.append(
            TypeFinding(
                "type",
                f"{parsed.technology} takes no deployment variant in its type",
                f"Use {parsed.legacy} with mode: {MODE_OF_VARIANT[parsed.variant]}.",
            )
        )
    if parsed.variant is not None and mode is not None:
        if isinstance(mode, str) and VARIANT_OF_MODE.get(mode.upper()) not in (None, parsed.variant):
            findings.append(
                TypeFinding(
                    "mode",
                    f"mode {mode} is ignored: {type_value} decides the deployment ({parsed.variant})",
                    f"Drop mode, or use {parsed.with_variant(VARIANT_OF_MODE[mode.upper()])}.",
                    blocking=False,
                )
            )
        else:
            findings.append(
                TypeFinding(
                    "mode",
                    "mode is deprecated next to a type variant and ignored",
                    "Drop it.",
                    blocking=False,
                )
            )
    elif parsed.variant is None and parsed.takes_variant and parsed.version is not None:
        variant = deployment(type_value, mode)
        findings.append(
            TypeFinding(
                "type",
                f"{type_value}{' with mode' if mode is not None else ''} is the legacy form (still accepted)",
                f"Write type: {parsed.with_variant(variant)} instead of mode.",
                blocking=False,
            )
        )
    findings.extend(_profile_findings(entry, parsed, deployment(type_value, mode)))
    return findings


def _profile_findings(entry: Mapping[str, Any], parsed: ServiceType, variant: str) -> list[TypeFinding]:
    profile = entry.get("profile")
    overrides = entry.get("profileOverrides")
    known = PROFILES.get(parsed.technology)
    findings: list[TypeFinding] = []
    if profile is not None:
        if known is None:
            findings.append(
                TypeFinding(
                    "profile",
                    f"{parsed.technology} has no profiles",
                    "Profiles exist for postgresql and valkey; size other services with verticalAutoscaling.",
                )
            )
            return findings
        if not isinstance(profile, str) or profile not in known:
            findings.append(
                TypeFinding(
                    "profile",
                    f"unknown {parsed.technology} profile {profile!r}",
                    "Valid profiles: " + ", ".join(known) + ".",
                )
            )
            return findings
        if variant not in known[profile]:
            allowed = ", ".join(p for p, variants in known.items() if variant in variants)
            findings.append(
                TypeFinding(
                    "profile",
                    f"profile {profile} is not available for a {variant} {parsed.technology}",
                    f"Profiles for {variant}: {allowed}.",
                )
            )
    if overrides is not None:
        allowed_profiles = OVERRIDABLE.get(parsed.technology, frozenset())
        if profile not in allowed_profiles:
            needed = "profile: custom" if parsed.technology == "postgresql" else "a profile"
            findings.append(
                TypeFinding(
                    "profileOverrides",
                    f"profileOverrides need {needed}"
                    if allowed_profiles
                    else f"{parsed.technology} takes no profileOverrides",
                    f"Set {needed}, or size the service with verticalAutoscaling."
                    if allowed_profiles
                    else "Remove profileOverrides.",
                )
            )
        elif parsed.technology == "valkey" and isinstance(overrides, Mapping):
            extra = sorted(str(k) for k in overrides if k not in VALKEY_OVERRIDES)
            if extra:
                findings.append(
                    TypeFinding(
                        "profileOverrides",
                        f"valkey overrides only maxmemory-policy, not {', '.join(extra)}",
                        "Remove the other keys.",
                    )
                )
    return findings
