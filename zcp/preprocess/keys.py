"""Key pairs for ``generateED25519Key`` / ``generateRSA*Key``, drawn from an injectable RNG.

Everything random comes from the ``random.Random`` passed in, so a seeded run produces the same
keys every time (tests, snapshots) while production passes ``random.SystemRandom``. RSA primes are
searched here (sieve + Miller-Rabin) instead of by ``cryptography``, which would use the OS RNG;
the OpenSSH private-key container is written here for the same reason (its check integers are
random). ``cryptography`` is imported lazily: these functions are rarely called.
"""

from __future__ import annotations

import base64
import random
import struct
from dataclasses import dataclass
from math import gcd

_SMALL_PRIMES = [p for p in range(3, 20000, 2) if all(p % d for d in range(3, int(p**0.5) + 1, 2))]
_RSA_EXPONENT = 65537


@dataclass(frozen=True)
class KeyPair:
    """PEM and SSH renderings of one generated key; ``private_ssh`` is only set for Ed25519."""

    public_pem: str
    private_pem: str
    public_ssh: str
    private_ssh: str | None = None


def ed25519_key(rng: random.Random) -> KeyPair:
    """An Ed25519 key pair from 32 bytes of ``rng``."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = rng.randbytes(32)
    private = Ed25519PrivateKey.from_private_bytes(seed)
    public = private.public_key()
    public_raw = public.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    return KeyPair(
        public_pem=_pem_text(public.public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)),
        private_pem=_pem_text(
            private.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        ),
        public_ssh=public.public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode("ascii"),
        private_ssh=_openssh_ed25519_private(seed, public_raw, rng),
    )


def rsa_key(rng: random.Random, bits: int) -> KeyPair:
    """An RSA key pair of ``bits`` modulus bits with public exponent 65537."""
    from cryptography.hazmat.primitives import serialization as ser
    from cryptography.hazmat.primitives.asymmetric import rsa

    half = bits // 2
    while True:
        p = _random_prime(rng, half)
        q = _random_prime(rng, bits - half)
        if p != q:
            break
    if p < q:
        p, q = q, p
    phi = (p - 1) * (q - 1)
    d = pow(_RSA_EXPONENT, -1, phi)
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(_RSA_EXPONENT, p * q),
    )
    private = numbers.private_key()
    public = private.public_key()
    return KeyPair(
        public_pem=_pem_text(public.public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)),
        private_pem=_pem_text(
            private.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, ser.NoEncryption())
        ),
        public_ssh=public.public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode("ascii"),
    )


def _pem_text(pem: bytes) -> str:
    return pem.decode("ascii").strip()


def _random_prime(rng: random.Random, bits: int) -> int:
    """A probable prime of exactly ``bits`` bits (top two bits set, so products keep full size).

    Sieves a window of odd numbers above a random start with the small primes (slice assignment,
    no big-number division per candidate), then runs Miller-Rabin on the survivors in order.
    """
    window = 1 << 13  # odd numbers start, start+2, ... start+2*(window-1)
    while True:
        start = rng.getrandbits(bits) | (0b11 << (bits - 2)) | 1
        composite = bytearray(window)
        for p in _SMALL_PRIMES:
            # index i stands for start + 2i; find the first i with start + 2i ≡ 0 (mod p)
            first = (-start * pow(2, -1, p)) % p
            composite[first::p] = b"\x01" * len(range(first, window, p))
        for i in range(window):
            if composite[i]:
                continue
            candidate = start + 2 * i
            if candidate.bit_length() != bits:
                break
            if gcd(candidate - 1, _RSA_EXPONENT) == 1 and _is_probable_prime(candidate, rng):
                return candidate


def _is_probable_prime(n: int, rng: random.Random, rounds: int = 8) -> bool:
    """Miller-Rabin with ``rounds`` random bases (ample for random candidates of 1024+ bits)."""
    d, s = n - 1, 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = rng.randrange(2, n - 1)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _ssh_string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _openssh_ed25519_private(seed: bytes, public_raw: bytes, rng: random.Random) -> str:
    """The ``-----BEGIN OPENSSH PRIVATE KEY-----`` container (unencrypted, one key, no comment)."""
    key_type = b"ssh-ed25519"
    public_blob = _ssh_string(key_type) + _ssh_string(public_raw)
    check = rng.getrandbits(32)
    private_section = (
        struct.pack(">II", check, check)
        + _ssh_string(key_type)
        + _ssh_string(public_raw)
        + _ssh_string(seed + public_raw)
        + _ssh_string(b"")
    )
    pad = (-len(private_section)) % 8
    private_section += bytes(range(1, pad + 1))
    body = (
        b"openssh-key-v1\x00"
        + _ssh_string(b"none")
        + _ssh_string(b"none")
        + _ssh_string(b"")
        + struct.pack(">I", 1)
        + _ssh_string(public_blob)
        + _ssh_string(private_section)
    )
    encoded = base64.b64encode(body).decode("ascii")
    lines = [encoded[i : i + 70] for i in range(0, len(encoded), 70)]
    return "\n".join(["-----BEGIN OPENSSH PRIVATE KEY-----", *lines, "-----END OPENSSH PRIVATE KEY-----"])
