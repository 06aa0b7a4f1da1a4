"""Builders for every command zcp runs on a service over SSH.

Each builder takes plain values, validates the ones that name things (ids, git refs, ports) and
returns a :class:`~zcp.remote.shell.Shell` assembled only through :func:`~zcp.remote.shell.quote`
and fixed operators. Free-form values (paths, a dev-server command, a commit message) are passed
as single quoted arguments after ``--`` or as ``--flag=value``, so they can neither break out of
the shell nor turn into an option. ``tests/remote/test_command_safety.py`` runs every builder in a
real ``bash`` with hostile values and checks each value arrives verbatim and nothing else runs.

Secrets never go into these command lines: a token travels on stdin (see :func:`write_zcli_login`)
or in the SSH session environment.
"""

from __future__ import annotations

import re
from typing import Final

from zcp.errors import InvalidParameter
from zcp.remote.shell import (
    Shell,
    all_of,
    any_of,
    background,
    joined,
    literal,
    no_stdin,
    output_of,
    quiet,
    quote,
    sequence,
    to_file,
    words,
)

DEFAULT_WORK_DIR: Final = "/var/www"
DEFAULT_DEV_LOG: Final = "/tmp/zcp-dev-server.log"
GIT_EMAIL: Final = "agent@zerops.io"
GIT_NAME: Final = "Zerops Agent"

_SERVICE_ID: Final = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_GIT_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
_ENV_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
MAX_LOG_LINES: Final = 10_000


def _service_id(value: str, what: str = "service id") -> str:
    if not isinstance(value, str) or not _SERVICE_ID.match(value):
        raise InvalidParameter(
            f"{what} {value!r} is not a Zerops id",
            suggestion="Use the id zerops_discover shows (letters, digits, '-' and '_').",
        )
    return value


def _git_name(value: str, what: str) -> str:
    if (
        not isinstance(value, str)
        or not _GIT_NAME.match(value)
        or ".." in value
        or value.endswith((".", "/", ".lock"))
        or "//" in value
    ):
        raise InvalidParameter(
            f"{what} {value!r} is not a valid git name",
            suggestion=f"Use a plain {what} such as 'main' or 'origin'.",
        )
    return value


def check_git_name(value: str, what: str = "branch") -> str:
    """A git branch or remote name, validated (INVALID_PARAMETER otherwise): never option-shaped."""
    return _git_name(value, what)


def _absolute(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.startswith("/"):
        raise InvalidParameter(
            f"{what} must be an absolute path, got {value!r}",
            suggestion=f"Pass an absolute container path such as {DEFAULT_WORK_DIR}.",
        )
    return value


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidParameter(f"{what} must not be empty", suggestion=f"Pass a {what}.")
    return value


def _in_dir(work_dir: str, command: Shell) -> Shell:
    return all_of(quote(["cd", "--", _absolute(work_dir, "workDir")]), command)


# --- git ------------------------------------------------------------------------------------------


def ensure_git_repo(
    work_dir: str = DEFAULT_WORK_DIR, *, branch: str = "main", email: str = GIT_EMAIL, name: str = GIT_NAME
) -> Shell:
    """In ``work_dir``: ``git init`` unless a repository exists, then set the committer identity."""
    branch = _git_name(branch, "branch")
    return _in_dir(
        work_dir,
        all_of(
            any_of(quote(["test", "-d", ".git"]), quote(["git", "init", "-q", "-b", branch])),
            quote(["git", "config", "user.email", _text(email, "git email")]),
            quote(["git", "config", "user.name", _text(name, "git name")]),
        ),
    )


def commit_all(work_dir: str = DEFAULT_WORK_DIR, *, message: str = "deploy") -> Shell:
    """In ``work_dir``: stage everything and commit when something changed (or nothing is committed yet)."""
    unchanged = quiet(quote(["git", "diff-index", "--quiet", "HEAD", "--"]))
    return _in_dir(
        work_dir,
        all_of(
            quote(["git", "add", "-A"]),
            any_of(
                unchanged,
                quote(["git", "commit", "-q", "--allow-empty", "-m", _text(message, "commit message")]),
            ),
        ),
    )


def git_remote_url(work_dir: str = DEFAULT_WORK_DIR, *, remote: str = "origin") -> Shell:
    """Print the URL of ``remote`` in the repository at ``work_dir``."""
    return quote(
        ["git", "-C", _absolute(work_dir, "workDir"), "remote", "get-url", _git_name(remote, "remote")]
    )


def git_push(work_dir: str = DEFAULT_WORK_DIR, *, remote: str = "origin", branch: str = "main") -> Shell:
    """Push ``HEAD`` to ``branch`` of ``remote`` without ever prompting for credentials."""
    remote = _git_name(remote, "remote")
    branch = _git_name(branch, "branch")
    return _in_dir(
        work_dir,
        quote(["env", "GIT_TERMINAL_PROMPT=0", "git", "push", remote, f"HEAD:refs/heads/{branch}"]),
    )


def has_commits(work_dir: str = DEFAULT_WORK_DIR) -> Shell:
    """Exit 0 when the repository at ``work_dir`` has at least one commit."""
    return quiet(quote(["git", "-C", _absolute(work_dir, "workDir"), "rev-parse", "--verify", "HEAD"]))


def git_set_remote(work_dir: str = DEFAULT_WORK_DIR, *, remote: str = "origin", url: str) -> Shell:
    """Point ``remote`` at ``url`` (added when missing). The URL goes after ``--``: never an option."""
    git = ["git", "-C", _absolute(work_dir, "workDir"), "remote"]
    name = _git_name(remote, "remote")
    url = _text(url, "remote URL")
    return any_of(
        quiet(quote([*git, "set-url", "--", name, url])),
        quote([*git, "add", "--", name, url]),
    )


def git_status(work_dir: str = DEFAULT_WORK_DIR) -> Shell:
    """``git status --porcelain`` of the repository at ``work_dir`` (empty output: nothing uncommitted)."""
    return quote(["git", "-C", _absolute(work_dir, "workDir"), "status", "--porcelain"])


#: A git credential helper that answers with the token in the ``GIT_TOKEN`` variable of the service's
#: environment. The helper text is fixed: git's own shell expands ``$GIT_TOKEN`` when it asks, so the
#: token never appears in a command line.
TOKEN_CREDENTIAL_HELPER: Final = (
    '!f() { test "$1" = get || exit 0; echo username=x-access-token; echo "password=$GIT_TOKEN"; }; f'
)


def git_push_with_token(
    work_dir: str = DEFAULT_WORK_DIR, *, remote: str = "origin", branch: str = "main"
) -> Shell:
    """Like :func:`git_push`, with credentials from ``$GIT_TOKEN`` on the service (see the helper above)."""
    remote = _git_name(remote, "remote")
    branch = _git_name(branch, "branch")
    return _in_dir(
        work_dir,
        quote(
            [
                "env",
                "GIT_TERMINAL_PROMPT=0",
                "git",
                "-c",
                "credential.helper=",
                "-c",
                f"credential.helper={TOKEN_CREDENTIAL_HELPER}",
                "push",
                remote,
                f"HEAD:refs/heads/{branch}",
            ]
        ),
    )


# --- zcli -----------------------------------------------------------------------------------------


def zcli_push(
    service_id: str,
    *,
    work_dir: str | None = DEFAULT_WORK_DIR,
    setup: str | None = None,
    deploy_git_folder: bool = False,
    working_dir: str | None = None,
    no_git: bool = False,
    project_id: str | None = None,
) -> Shell:
    """``zcli push`` to ``service_id`` (run from ``work_dir`` when given).

    ``deploy_git_folder`` (``-g``) keeps ``.git`` in the upload (self-deploys); ``no_git`` uploads the
    folder as it is and cannot be combined with ``-g``. Values go as ``--flag=value`` so none can be
    read as another flag.
    """
    if no_git and deploy_git_folder:
        raise InvalidParameter(
            "zcli push cannot combine --no-git with -g", suggestion="Drop one of the two options."
        )
    argv = ["zcli", "push", f"--service-id={_service_id(service_id)}"]
    if project_id:
        argv.append(f"--project-id={_service_id(project_id, 'project id')}")
    if setup:
        argv.append(f"--setup={_text(setup, 'setup')}")
    if working_dir:
        argv.append(f"--working-dir={_text(working_dir, 'working dir')}")
    if deploy_git_folder:
        argv.append("-g")
    if no_git:
        argv.append("--no-git")
    command = quote(argv)
    return _in_dir(work_dir, command) if work_dir else command


def write_zcli_login(config_home: str = "$HOME/.config") -> Shell:
    """Store the zcli login read from stdin (the JSON of :func:`zcli_login_file`), readable only by its owner.

    This is how a token reaches zcli on a service without ever appearing in a command line: the
    remote shell writes stdin to ``<config_home>/zerops/cli.data``, the file real zcli (and the
    sandbox's stand-in) reads its token and region from. ``config_home`` is a fixed choice between
    the two forms below, never data.
    """
    if config_home not in ("$HOME/.config", "${XDG_CONFIG_HOME:-$HOME/.config}"):
        raise ValueError("config_home is a fixed choice, not a value")
    folder = f'"{config_home}/zerops"'
    return all_of(
        literal(f"umask 077 && mkdir -p {folder}"),
        literal(f"cat > {folder}/cli.data"),
    )


def zcli_login_file(token: str, *, region: str, address: str) -> bytes:
    """The stdin for :func:`write_zcli_login`: zcli's ``cli.data`` JSON (token and region)."""
    import json

    data = {
        "Token": token,
        "RegionData": {"name": region, "isDefault": True, "address": address, "guiAddress": address},
    }
    return (json.dumps(data) + "\n").encode("utf-8")


# --- files ----------------------------------------------------------------------------------------


def read_file(path: str, *, max_bytes: int | None = None) -> Shell:
    """Print the file at ``path`` (at most ``max_bytes`` bytes when given)."""
    path = _absolute(path, "path")
    if max_bytes is None:
        return quote(["cat", "--", path])
    if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or max_bytes < 1:
        raise InvalidParameter("max_bytes must be a positive integer", suggestion="Pass e.g. 1000000.")
    return quote(["head", "-c", str(max_bytes), "--", path])


def write_probe(directory: str, name: str = ".zcp-write-probe") -> Shell:
    """Exit 0 when a file can be created (and is removed again) in ``directory``."""
    if "/" in name or name in ("", ".", ".."):
        raise InvalidParameter(f"probe name {name!r} must be a plain file name", suggestion="Omit it.")
    return _in_dir(directory, all_of(quote(["touch", "--", name]), quote(["rm", "-f", "--", name])))


def ready() -> Shell:
    """The no-op that proves a service accepts SSH commands."""
    return quote(["true"])


# --- dev servers ----------------------------------------------------------------------------------


def pid_file_for(log_file: str) -> str:
    """Where a dev server's pid is kept: next to its log."""
    return _absolute(log_file, "logFile") + ".pid"


def dev_server_start(
    command: str, *, work_dir: str = DEFAULT_WORK_DIR, log_file: str = DEFAULT_DEV_LOG
) -> Shell:
    """Start ``command`` (shell code, run by ``bash -c``) detached, in its own session; print its pid.

    Output goes to ``log_file``, the pid to ``log_file + '.pid'``. The process leads its own process
    group (``setsid``), so :func:`dev_server_stop` ends it with every child it spawned.
    """
    command = _text(command, "command")
    pid_file = pid_file_for(log_file)
    spawn = no_stdin(to_file(quote(["setsid", "nohup", "bash", "-c", command]), log_file))
    return _in_dir(
        work_dir,
        sequence(
            background(spawn),
            to_file(literal('echo "$!"'), pid_file, stderr=False),
            literal('echo "$!"'),
        ),
    )


def _pid_of(pid_file: str) -> Shell:
    """The pid recorded in ``pid_file`` as one shell word."""
    return output_of(quote(["cat", "--", pid_file]))


def dev_server_status(*, log_file: str = DEFAULT_DEV_LOG) -> Shell:
    """Exit 0 while the dev server recorded next to ``log_file`` is alive."""
    return quiet(words(quote(["kill", "-0", "--"]), _pid_of(pid_file_for(log_file))))


def dev_server_stop(*, log_file: str = DEFAULT_DEV_LOG, process_match: str | None = None) -> Shell:
    """Stop the dev server: its whole process group by recorded pid, and ``pkill -f`` a pattern if given.

    Exit 0 when something was signalled.
    """
    pid_file = pid_file_for(log_file)
    by_pid = all_of(
        quiet(words(quote(["kill", "-TERM", "--"]), joined(literal("-"), _pid_of(pid_file)))),
        quote(["rm", "-f", "--", pid_file]),
    )
    if process_match is None:
        return by_pid
    pattern = _text(process_match, "processMatch")
    return any_of(by_pid, quote(["pkill", "-f", "--", pattern]))


def log_tail(log_file: str = DEFAULT_DEV_LOG, *, lines: int = 40) -> Shell:
    """The last ``lines`` lines of ``log_file``."""
    if not isinstance(lines, int) or isinstance(lines, bool) or not 1 <= lines <= MAX_LOG_LINES:
        raise InvalidParameter(
            f"lines must be 1-{MAX_LOG_LINES}, got {lines!r}", suggestion="Pass e.g. lines=40."
        )
    return quote(["tail", "-n", str(lines), "--", _absolute(log_file, "logFile")])


def http_status(port: int, path: str = "/", *, timeout: float = 5.0) -> Shell:
    """Print the HTTP status of ``GET http://127.0.0.1:<port><path>`` on the service (``000`` if none)."""
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise InvalidParameter(f"port must be 1-65535, got {port!r}", suggestion="Pass the app's port.")
    if not isinstance(path, str) or not path.startswith("/"):
        raise InvalidParameter(f"path must start with '/', got {path!r}", suggestion="Pass e.g. '/'.")
    if not 0 < timeout <= 300:
        raise InvalidParameter("timeout must be 0-300 seconds", suggestion="Pass e.g. 5.")
    return quote(
        [
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            f"{timeout:g}",
            "--",
            f"http://127.0.0.1:{port}{path}",
        ]
    )


def env_name(name: str) -> str:
    """Validate an environment variable name sent with an SSH session."""
    if not isinstance(name, str) or not _ENV_NAME.match(name):
        raise InvalidParameter(f"{name!r} is not an environment variable name", suggestion="Use A-Z, 0-9, _.")
    return name
