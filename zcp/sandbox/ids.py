"""Ids shaped like the platform's: 22 URL-safe characters, reproducible from a seed."""

from __future__ import annotations

import base64
import hashlib
import random
import string
from typing import Final

_ALPHABET: Final = string.ascii_letters + string.digits + "-_"
ID_LENGTH: Final = 22


class IdFactory:
    """Hands out fresh ids; the same seed yields the same sequence."""

    def __init__(self, seed: int = 0) -> None:
        self._rng = random.Random(seed)

    def new(self) -> str:
        return "".join(self._rng.choice(_ALPHABET) for _ in range(ID_LENGTH))

    def secret(self, length: int = 24) -> str:
        """A password-like value for generated credentials."""
        return "".join(self._rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def stable_id(name: str) -> str:
    """An id derived from a name, identical across runs (used for catalogue entries)."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:ID_LENGTH]
