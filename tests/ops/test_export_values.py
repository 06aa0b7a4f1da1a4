"""zcp.ops.export: env values in export YAML are hidden, keys and everything else kept."""

from __future__ import annotations

import pytest
import yaml

from zcp.errors import ApiError
from zcp.ops.export import PLACEHOLDER, hide_env_values

EXPORT = """\
project:
  name: demo
  envVariables:
    API_TOKEN: tok-123
services:
  - hostname: app
    type: nodejs@22
    envSecrets:
      SECRET_KEY: s3cr3t
      DB_PASS: ${db_password}
    dotEnvSecrets: |
      A=1
  - hostname: db
    type: postgresql@16
    mode: NON_HA
"""


def test_every_env_value_is_replaced_and_counted() -> None:
    text, hidden = hide_env_values(EXPORT)
    document = yaml.safe_load(text)
    assert hidden == 4
    assert document["project"]["envVariables"] == {"API_TOKEN": PLACEHOLDER}
    assert document["services"][0]["envSecrets"] == {"SECRET_KEY": PLACEHOLDER, "DB_PASS": PLACEHOLDER}
    assert document["services"][0]["dotEnvSecrets"] == PLACEHOLDER
    assert document["services"][1] == {"hostname": "db", "type": "postgresql@16", "mode": "NON_HA"}
    assert "s3cr3t" not in text and "tok-123" not in text


def test_yaml_without_values_is_returned_unchanged() -> None:
    plain = "services:\n  - hostname: db\n    type: valkey@7.2\n"
    assert hide_env_values(plain) == (plain, 0)


def test_yaml_that_cannot_be_read_is_an_api_error() -> None:
    with pytest.raises(ApiError):
        hide_env_values("services: [unclosed")
