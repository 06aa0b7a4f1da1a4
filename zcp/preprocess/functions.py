"""The functions callable as ``<@name(...)>``: what each takes, returns and stores.

Each entry of :data:`FUNCTIONS` is a :class:`FunctionSpec`; arguments arrive already evaluated
(as bytes) and a function raises :class:`ArgumentError` for a bad one. Randomness comes only from
``ctx.rng`` and time only from ``ctx.now`` (see :mod:`zcp.preprocess.context`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass

from zcp.preprocess.context import ArgumentError, CallContext, as_text, parse_int
from zcp.preprocess.datetimes import UnknownZone, format_datetime, resolve_zone
from zcp.preprocess.keys import KeyPair, ed25519_key, rsa_key
from zcp.preprocess.mercury import mercury_in_retrograde

#: ``a-z A-Z 0-9 _ - .``: the 65 characters of random strings and of the ``toString`` modifier.
ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."
MAX_RANDOM_LENGTH = 1024
#: Bounds of ``generateRandomInt`` (2**62 - 1 either way).
INT_LIMIT = 4_611_686_018_427_387_903

Impl = Callable[[CallContext, list[bytes]], bytes]


@dataclass(frozen=True)
class FunctionSpec:
    """One function: its parameter count range (``max_args`` ``None`` = unbounded) and summary."""

    name: str
    signature: str
    min_args: int
    max_args: int | None
    impl: Impl
    summary: str


def _length(value: bytes, index: int) -> int:
    length = parse_int(value, index=index, what="length")
    if not 1 <= length <= MAX_RANDOM_LENGTH:
        raise ArgumentError(
            f"length must be between 1 and {MAX_RANDOM_LENGTH}, got {length}",
            suggestion=f"Ask for at most {MAX_RANDOM_LENGTH} characters per call and join several calls.",
            index=index,
        )
    return length


def random_text(ctx: CallContext, length: int) -> bytes:
    """``length`` characters drawn uniformly from :data:`ALPHABET`."""
    return "".join(ctx.rng.choice(ALPHABET) for _ in range(length)).encode("ascii")


def _generate_random_string(ctx: CallContext, args: list[bytes]) -> bytes:
    return random_text(ctx, _length(args[0], 0))


def _generate_random_string_var(ctx: CallContext, args: list[bytes]) -> bytes:
    value = random_text(ctx, _length(args[1], 1))
    ctx.variables[_var_name(args[0])] = value
    return value


def _generate_random_bytes(ctx: CallContext, args: list[bytes]) -> bytes:
    return ctx.rng.randbytes(_length(args[0], 0))


def _generate_random_int(ctx: CallContext, args: list[bytes]) -> bytes:
    low = parse_int(args[0], index=0, what="min")
    high = parse_int(args[1], index=1, what="max")
    for index, value in ((0, low), (1, high)):
        if abs(value) > INT_LIMIT:
            raise ArgumentError(f"{value} is outside ±{INT_LIMIT}", index=index)
    if high <= low:
        raise ArgumentError(f"max {high} must be greater than min {low}", index=1)
    return str(ctx.rng.randint(low, high)).encode("ascii")


def _pick_random(ctx: CallContext, args: list[bytes]) -> bytes:
    return ctx.rng.choice(args)


def _get_datetime(ctx: CallContext, args: list[bytes]) -> bytes:
    moment = ctx.now()
    if len(args) == 2:
        try:
            moment = moment.astimezone(resolve_zone(as_text(args[1])))
        except UnknownZone as exc:
            raise ArgumentError(
                f"unknown time zone {str(exc)!r}",
                suggestion="Use an IANA name such as Europe/Prague, or UTC.",
                index=1,
            ) from None
    return format_datetime(moment, as_text(args[0])).encode("utf-8")


def _mercury_in_retrograde(ctx: CallContext, args: list[bytes]) -> bytes:
    return args[0] if mercury_in_retrograde(ctx.now()) else args[1]


def _var_name(value: bytes) -> str:
    return as_text(value)


def _set_var(ctx: CallContext, args: list[bytes]) -> bytes:
    ctx.variables[_var_name(args[0])] = args[1]
    return args[1]


def _get_var(ctx: CallContext, args: list[bytes]) -> bytes:
    # A bare name was already looked up by the evaluator; a <literal> is returned as it is.
    return args[0]


def _store_keys(ctx: CallContext, name: bytes, pair: KeyPair) -> bytes:
    base = _var_name(name)
    ctx.variables[base + "Public"] = pair.public_pem.encode("ascii")
    ctx.variables[base + "Private"] = pair.private_pem.encode("ascii")
    ctx.variables[base + "PublicSsh"] = pair.public_ssh.encode("ascii")
    if pair.private_ssh is not None:
        ctx.variables[base + "PrivateSsh"] = pair.private_ssh.encode("ascii")
    return pair.public_pem.encode("ascii")


def _generate_ed25519_key(ctx: CallContext, args: list[bytes]) -> bytes:
    return _store_keys(ctx, args[0], ed25519_key(ctx.rng))


def _generate_rsa2048_key(ctx: CallContext, args: list[bytes]) -> bytes:
    return _store_keys(ctx, args[0], rsa_key(ctx.rng, 2048))


def _generate_rsa4096_key(ctx: CallContext, args: list[bytes]) -> bytes:
    return _store_keys(ctx, args[0], rsa_key(ctx.rng, 4096))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _generate_jwt(ctx: CallContext, args: list[bytes]) -> bytes:
    try:
        payload = json.loads(as_text(args[1]))
    except json.JSONDecodeError as exc:
        raise ArgumentError(
            f"the payload is not valid JSON ({exc.msg} at character {exc.pos + 1})",
            suggestion='Pass a JSON object, e.g. <{"role":"anon"}>.',
            index=1,
        ) from None
    if not isinstance(payload, dict):
        raise ArgumentError("the payload must be a JSON object", index=1)
    claims = {"iss": "zerops", "iat": int(ctx.now().timestamp()), **payload}
    header = {"alg": "HS256", "typ": "JWT"}
    signing_input = (
        _b64url(json.dumps(header, separators=(",", ":")).encode("utf-8"))
        + "."
        + _b64url(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    )
    signature = hmac.new(args[0], signing_input.encode("ascii"), hashlib.sha256).digest()
    return f"{signing_input}.{_b64url(signature)}".encode("ascii")


_SPECS = (
    FunctionSpec(
        "generateRandomString", "length", 1, 1, _generate_random_string,
        "random text of `length` (1-1024) characters from a-z, A-Z, 0-9, `_`, `-`, `.`",
    ),
    FunctionSpec(
        "generateRandomStringVar", "name, length", 2, 2, _generate_random_string_var,
        "like generateRandomString, and also stores the text under `name`",
    ),
    FunctionSpec(
        "generateRandomBytes", "length", 1, 1, _generate_random_bytes,
        "`length` (1-1024) raw random bytes; follow with `| toHex` or `| toString`",
    ),
    FunctionSpec(
        "generateRandomInt", "min, max", 2, 2, _generate_random_int,
        "a random whole number from `min` to `max`, both included",
    ),
    FunctionSpec("pickRandom", "value, ...", 1, None, _pick_random, "one of its parameters, chosen at random"),
    FunctionSpec(
        "getDatetime", "format[, zone]", 1, 2, _get_datetime,
        "the current time in `format` (tokens such as YYYY-MM-DD HH:mm:ss), UTC unless a zone is given",
    ),
    FunctionSpec(
        "mercuryInRetrograde", "yes, no", 2, 2, _mercury_in_retrograde,
        "`yes` while Mercury is in apparent retrograde motion, otherwise `no`",
    ),
    FunctionSpec("setVar", "name, value", 2, 2, _set_var, "stores `value` under `name` and returns it"),
    FunctionSpec("getVar", "name", 1, 1, _get_var, "the value stored under the bare `name`"),
    FunctionSpec(
        "generateED25519Key", "name", 1, 1, _generate_ed25519_key,
        "an Ed25519 key pair; returns the PEM public key, stores `<name>Public`, `<name>Private`, "
        "`<name>PublicSsh` and `<name>PrivateSsh`",
    ),
    FunctionSpec(
        "generateRSA2048Key", "name", 1, 1, _generate_rsa2048_key,
        "a 2048-bit RSA key pair; returns the PEM public key, stores `<name>Public`, `<name>Private`, "
        "`<name>PublicSsh`",
    ),
    FunctionSpec(
        "generateRSA4096Key", "name", 1, 1, _generate_rsa4096_key,
        "a 4096-bit RSA key pair; stores the same variables as generateRSA2048Key",
    ),
    FunctionSpec(
        "generateJWT", "secret, payload", 2, 2, _generate_jwt,
        "an HS256 JSON Web Token signed with `secret`; claims `iss: zerops` and `iat: now` unless "
        "the JSON `payload` sets them",
    ),
)  # fmt: skip

#: Every function by name. ``getDateTime`` is accepted as a second spelling of ``getDatetime``.
FUNCTIONS: dict[str, FunctionSpec] = {spec.name: spec for spec in _SPECS}
ALIASES: dict[str, str] = {"getDateTime": "getDatetime"}


def lookup_function(name: str) -> FunctionSpec | None:
    """The function called ``name`` (aliases included), or ``None``."""
    return FUNCTIONS.get(ALIASES.get(name, name))
