"""The pure parts of the containers: container-path translation, deployFiles, the service environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.plugins.sandbox import SandboxHandle
from zcp.sandbox.deploy_files import DeployFilesError, collect
from zcp.sandbox.model import EnvVar
from zcp.sandbox.service_env import build_env, runtime_env
from zcp.sandbox.trees import PathMap

WWW = Path("/data/services/s1/www")
TMP = Path("/data/services/s1/tmp")
PATHS = PathMap((("/var/www", WWW), ("/tmp", TMP)))


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("cd /var/www && ls", f"cd {WWW} && ls"),
        ("cat /var/www/zerops.yaml", f"cat {WWW}/zerops.yaml"),
        ("npm run dev > /tmp/dev.log 2>&1", f"npm run dev > {TMP}/dev.log 2>&1"),
        ("zcli push --working-dir=/var/www", f"zcli push --working-dir={WWW}"),
        ("cd '/var/www'", f"cd '{WWW}'"),
        ("ls /srv/var/www /var/wwwx ~/var/www", "ls /srv/var/www /var/wwwx ~/var/www"),
        ("ls /tmpfiles", "ls /tmpfiles"),
    ],
)
def test_container_paths_are_translated_where_they_start_a_path(command: str, expected: str) -> None:
    assert PATHS.translate(command) == expected


def test_a_translated_path_is_never_translated_again() -> None:
    nested = PathMap((("/var/www", Path("/tmp/svc/www")), ("/tmp", Path("/data/tmp"))))
    assert nested.translate("cat /var/www/a") == "cat /tmp/svc/www/a"


def _build(root: Path, files: list[str]) -> Path:
    for rel in files:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(rel)
    return root


def _listing(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_deploy_files_keep_paths_and_tilde_trims_the_prefix(tmp_path: Path) -> None:
    source = _build(
        tmp_path / "src",
        [
            "dist/index.html",
            "dist/app.js",
            "src/assets/fonts/a.woff",
            "path/x/to/file.txt",
            "path/y/to/file.txt",
            "zerops.yaml",
        ],
    )
    cases = {
        "./dist": ["dist/app.js", "dist/index.html"],
        "dist/~": ["app.js", "index.html"],
        "./src/assets/~fonts": ["fonts/a.woff"],
        "./path/~/to/file.txt": ["to/file.txt"],
    }
    for entry, expected in cases.items():
        target = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
        collect(source, [entry], target)
        assert _listing(target) == expected, entry
    everything = tmp_path / "all"
    collect(source, ["."], everything)
    assert "zerops.yaml" in _listing(everything)


def test_deploy_files_honour_deployignore_and_refuse_missing_or_escaping_paths(tmp_path: Path) -> None:
    source = _build(tmp_path / "src", ["app.py", "tests/test_app.py", ".env"])
    (source / ".deployignore").write_text("tests/\n.env\n")
    target = tmp_path / "out"
    collect(source, ["./"], target)
    assert _listing(target) == [".deployignore", "app.py"]
    for entry in ("./missing", "../outside", "/etc"):
        with pytest.raises(DeployFilesError):
            collect(source, [entry], tmp_path / "x")


@pytest.mark.sandbox(seed="standard")
def test_the_runtime_env_follows_the_platform_precedence_and_resolves_references(
    sandbox: SandboxHandle,
) -> None:
    with sandbox.sandbox.lock:
        app = sandbox.service("appdev")
        project = sandbox.sandbox.state.projects[app.project_id]
        now = sandbox.sandbox.now()
        from zcp.sandbox.model import ProjectEnvVar

        project.env.append(ProjectEnvVar("p1", "STAGE", "project", False, now, now))
        project.env.append(ProjectEnvVar("p2", "ONLY_PROJECT", "kept", False, now, now))
        app.env.append(EnvVar("s1", "STAGE", "secret", "SECRET", False, now, now))
        env = runtime_env(
            sandbox.sandbox,
            app,
            {
                "DB": "${db_connectionString}",
                "ME": "${hostname}-x",
                "LOOP": "${LOOP}",
                "GONE": "${nope_key}",
                "hostname": "yaml",
            },
        )
        db = sandbox.service("db").env_var("connectionString")
        assert db is not None
        assert env["DB"] == db.content
        assert env["ME"] == "appdev-x"
        assert env["LOOP"] == "${LOOP}"
        assert env["GONE"] == "${nope_key}"
        assert env["hostname"] == "appdev"  # generated variables win over zerops.yaml
        assert (env["STAGE"], env["ONLY_PROJECT"]) == ("secret", "kept")
        built = build_env(
            sandbox.sandbox,
            app,
            {
                "build": {"envVariables": {"MODE": "build"}},
                "run": {"envVariables": {"API": "${RUNTIME_hostname}"}},
            },
        )
        # A runtime value referring to a build-side name resolves in the build environment.
        assert (built["MODE"], built["RUNTIME_API"], built["hostname"]) == ("build", "appdev", "appdev")
        assert "RUNTIME_STAGE" in built
