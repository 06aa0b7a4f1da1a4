"""Schema validation and preprocessor speed: p50/p95 of validating a typical zerops.yaml and import
YAML (target p95 ≤ 5 ms), and of expanding typical env values.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

from tests.bench import Report, percentile, time_calls
from zcp.preprocess import expand_batch
from zcp.schema import validate_import_yaml, validate_zerops_yaml

TYPICAL_ZEROPS_YAML = """\
zerops:
  - setup: api
    build:
      base: nodejs@22
      buildCommands:
        - npm ci
        - npm run build
      deployFiles:
        - ./dist
        - ./node_modules
        - ./package.json
      cache:
        - node_modules
    deploy:
      readinessCheck:
        httpGet:
          port: 3000
          path: /status
    run:
      base: nodejs@22
      ports:
        - port: 3000
          httpSupport: true
      envVariables:
        NODE_ENV: production
        DB_HOST: ${db_hostname}
        DB_PASS: ${db_password}
      initCommands:
        - zsc execOnce ${ZEROPS_appVersionId} -- npm run migrate
      start: node dist/main.js
      healthCheck:
        httpGet:
          port: 3000
          path: /status
  - setup: web
    build:
      base: nodejs@22
      buildCommands:
        - npm ci
        - npm run build
      deployFiles: dist/~
    run:
      base: static
"""

TYPICAL_IMPORT_YAML = """\
project:
  name: shop
services:
  - hostname: api
    type: nodejs@22
    enableSubdomainAccess: true
    verticalAutoscaling:
      minRam: 0.5
      maxRam: 4
  - hostname: db
    type: postgresql:single@16
  - hostname: cache
    type: valkey:single@7.2
  - hostname: storage
    type: object-storage
    objectStorageSize: 2
    objectStoragePolicy: public-read
"""

ENV_VALUES = {
    "APP_KEY": "base64:<@generateRandomBytes(<32>) | toHex>",
    "JWT_SECRET": "<@generateRandomStringVar(<jwt>, <48>)>",
    "ANON_KEY": '<@generateJWT(jwt, <{"role":"anon"}>)>',
    "SALT": "<@generateRandomString(<24>) | sha256>",
    "REGION": "<@pickRandom(<eu>, <us>)>-<@getDatetime(<YYYYMMDD>)>",
    "PLAIN": "no expressions here",
}


def run(report: Report) -> None:
    # The first call pays for importing jsonschema and compiling the validators.
    report.require(validate_zerops_yaml(TYPICAL_ZEROPS_YAML).valid, "the typical zerops.yaml must be valid")
    report.require(validate_import_yaml(TYPICAL_IMPORT_YAML).valid, "the typical import YAML must be valid")

    samples = time_calls(lambda: validate_zerops_yaml(TYPICAL_ZEROPS_YAML), 400)
    report.figure("validate typical zerops.yaml p50", percentile(samples, 50), "ms")
    report.figure("validate typical zerops.yaml p95", percentile(samples, 95), "ms", target=5.0)

    samples = time_calls(lambda: validate_import_yaml(TYPICAL_IMPORT_YAML), 400)
    report.figure("validate typical import.yaml p95", percentile(samples, 95), "ms", target=5.0)

    broken = TYPICAL_ZEROPS_YAML.replace("nodejs@22", "nodejs@23").replace("start:", "strat:")
    samples = time_calls(lambda: validate_zerops_yaml(broken), 200)
    report.figure("validate zerops.yaml with 5 problems p95", percentile(samples, 95), "ms", target=5.0)

    rng = random.Random(1)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    samples = time_calls(lambda: expand_batch(ENV_VALUES, rng=rng, now=lambda: now), 400)
    report.figure("preprocess 6 env values (no bcrypt/keys) p50", percentile(samples, 50), "ms")
    report.figure("preprocess 6 env values (no bcrypt/keys) p95", percentile(samples, 95), "ms", target=5.0)

    samples = time_calls(lambda: expand_batch({"K": "<@generateED25519Key(<k>)>"}, rng=rng), 50)
    report.figure("preprocess generateED25519Key p95", percentile(samples, 95), "ms")
