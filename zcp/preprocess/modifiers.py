"""The modifiers applicable as ``| name`` to the value of a function call or a ``<literal>``.

Salts for ``bcrypt`` and ``argon2id`` come from the run's RNG, so a seeded run is reproducible.
``bcrypt`` and ``cryptography`` are imported only when those modifiers run.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from zcp.preprocess.context import ArgumentError, CallContext
from zcp.preprocess.functions import ALPHABET

BCRYPT_COST = 11
BCRYPT_MAX_BYTES = 72
#: argon2id parameters: memory in KiB, passes, lanes, salt and hash sizes in bytes.
ARGON2_MEMORY_KIB = 64 * 1024
ARGON2_PASSES = 4
ARGON2_LANES = 4
ARGON2_SALT_BYTES = 16
ARGON2_HASH_BYTES = 32

_STD_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
_BCRYPT_B64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_TO_BCRYPT_B64 = str.maketrans(_STD_B64, _BCRYPT_B64)


@dataclass(frozen=True)
class ModifierSpec:
    """One modifier and what it does."""

    name: str
    impl: Callable[[CallContext, bytes], bytes]
    summary: str


def _text(value: bytes) -> str:
    return value.decode("utf-8", errors="replace")


def to_string(value: bytes) -> bytes:
    """Each byte mapped onto :data:`ALPHABET` (bytes above 64 wrap around modulo 64)."""
    return "".join(ALPHABET[b if b <= 64 else b % 64] for b in value).encode("ascii")


def title_words(text: str) -> str:
    """Upper-case the first letter of every word and leave the other letters alone."""
    out: list[str] = []
    previous_is_word = False
    for char in text:
        out.append(char.upper() if not previous_is_word else char)
        previous_is_word = char.isalnum() or char == "_"
    return "".join(out)


def _bcrypt(ctx: CallContext, value: bytes) -> bytes:
    if len(value) > BCRYPT_MAX_BYTES:
        raise ArgumentError(
            f"bcrypt hashes at most {BCRYPT_MAX_BYTES} bytes, the value has {len(value)}",
            suggestion="Hash a shorter value, or use argon2id.",
        )
    import bcrypt

    salt_b64 = base64.b64encode(ctx.rng.randbytes(16)).decode("ascii").rstrip("=")
    salt = f"$2a${BCRYPT_COST:02d}${salt_b64.translate(_TO_BCRYPT_B64)}".encode("ascii")
    return bcrypt.hashpw(value, salt)


def _b64_nopad(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _argon2id(ctx: CallContext, value: bytes) -> bytes:
    from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

    salt = ctx.rng.randbytes(ARGON2_SALT_BYTES)
    digest = Argon2id(
        salt=salt,
        length=ARGON2_HASH_BYTES,
        iterations=ARGON2_PASSES,
        lanes=ARGON2_LANES,
        memory_cost=ARGON2_MEMORY_KIB,
    ).derive(value)
    params = f"m={ARGON2_MEMORY_KIB},t={ARGON2_PASSES},p={ARGON2_LANES}"
    return f"$argon2id$v=19${params}${_b64_nopad(salt)}${_b64_nopad(digest)}".encode("ascii")


_SPECS = (
    ModifierSpec(
        "sha256", lambda _c, v: hashlib.sha256(v).hexdigest().encode(), "SHA-256 digest, lower-case hex"
    ),
    ModifierSpec(
        "sha512", lambda _c, v: hashlib.sha512(v).hexdigest().encode(), "SHA-512 digest, lower-case hex"
    ),
    ModifierSpec("bcrypt", _bcrypt, f"bcrypt hash (`$2a$`, cost {BCRYPT_COST}); at most 72 bytes of input"),
    ModifierSpec(
        "argon2id",
        _argon2id,
        f"argon2id hash in PHC form (m={ARGON2_MEMORY_KIB} KiB, t={ARGON2_PASSES}, p={ARGON2_LANES})",
    ),
    ModifierSpec("toHex", lambda _c, v: v.hex().encode(), "the bytes as lower-case hex"),
    ModifierSpec(
        "toString", lambda _c, v: to_string(v), "the bytes mapped onto a-z, A-Z, 0-9, `_`, `-`, `.`"
    ),
    ModifierSpec("upper", lambda _c, v: _text(v).upper().encode(), "upper case"),
    ModifierSpec("lower", lambda _c, v: _text(v).lower().encode(), "lower case"),
    ModifierSpec(
        "title", lambda _c, v: title_words(_text(v)).encode(), "first letter of every word upper-cased"
    ),
    ModifierSpec("noop", lambda _c, v: v, "the value unchanged"),
)

#: Every modifier by name.
MODIFIERS: dict[str, ModifierSpec] = {spec.name: spec for spec in _SPECS}
