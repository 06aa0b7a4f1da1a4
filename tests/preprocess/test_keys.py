"""Generated key pairs are valid, matching, and reproducible from a seed."""

from __future__ import annotations

import random

from cryptography.hazmat.primitives import serialization as ser
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from zcp.preprocess.keys import ed25519_key, rsa_key


def test_ed25519_renderings_all_describe_the_same_key() -> None:
    pair = ed25519_key(random.Random(5))
    private = ser.load_pem_private_key(pair.private_pem.encode(), None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    public_pem = private.public_key().public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo)
    assert public_pem.decode().strip() == pair.public_pem
    assert pair.private_ssh is not None
    openssh = ser.load_ssh_private_key(pair.private_ssh.encode(), None)
    ssh_line = openssh.public_key().public_bytes(ser.Encoding.OpenSSH, ser.PublicFormat.OpenSSH).decode()
    assert ssh_line == pair.public_ssh


def test_ed25519_key_is_reproducible_from_a_seed_and_differs_between_seeds() -> None:
    assert ed25519_key(random.Random(1)) == ed25519_key(random.Random(1))
    assert ed25519_key(random.Random(1)).public_ssh != ed25519_key(random.Random(2)).public_ssh


def test_rsa_2048_key_is_valid_reproducible_and_has_exponent_65537() -> None:
    pair = rsa_key(random.Random(11), 2048)
    private = ser.load_pem_private_key(pair.private_pem.encode(), None)
    assert isinstance(private, rsa.RSAPrivateKey)
    assert private.key_size == 2048
    assert private.public_key().public_numbers().e == 65537
    ssh_public = ser.load_ssh_public_key(pair.public_ssh.encode())
    assert isinstance(ssh_public, rsa.RSAPublicKey)
    assert ssh_public.public_numbers() == private.public_key().public_numbers()
    assert pair.private_ssh is None
    assert rsa_key(random.Random(11), 2048) == pair
