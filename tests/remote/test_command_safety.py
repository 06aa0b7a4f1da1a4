"""Every remote command builder, fed hostile values, run in a real bash: values arrive verbatim, nothing else runs.

Each builder is run twice in ``bash`` with every program it calls replaced by a shell function that
records its argv (NUL-separated, so any value survives): once with a plain marker value, once with a
hostile one. The two runs must make the same calls, and the hostile run's arguments must equal the
marker run's with the marker replaced by the hostile value — so the value reached exactly the
argument it was meant for, and no quote, ``$()``, backtick, newline, ``;`` or unicode separator made
anything else run. Values the builder refuses (ids, git names) must be refused with INVALID_PARAMETER.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zcp.errors import InvalidParameter
from zcp.remote import commands as c
from zcp.remote.shell import Shell, quote

MARKER = "zcpMARKERzcp"
BASH = shutil.which("bash") or "/bin/bash"
PLAIN_NAME = re.compile(r"^[A-Za-z0-9._/-]+$")
STUBS = {
    "cd": 0,
    "test": 1,  # `test -d .git` fails, so `git init` runs and is recorded
    "git": "diff-index",  # fails for diff-index (so the commit runs), succeeds otherwise
    "zcli": 0,
    "cat": 0,
    "head": 0,
    "touch": 0,
    "rm": 0,
    "setsid": 0,
    "kill": 1,  # so `pkill` after a failed kill is reached
    "pkill": 0,
    "tail": 0,
    "curl": 0,
    "env": 0,
}
HOSTILE = [
    "'",
    '"',
    "\\",
    "$(touch pwned)",
    "`touch pwned`",
    "; touch pwned",
    "&& touch pwned",
    "| touch pwned",
    "\ntouch pwned\n",
    "\r",
    "$HOME",
    "${IFS}",
    "$'\\x41'",
    "*",
    "?",
    "~",
    "#",
    "!",
    "{a,b}",
    "> out",
    "< in",
    "&",
    " ",
    "\t",
    "--",
    "-rf",
    "\u2028",
    "\u2029",
    "\u0085",
    "\u00a0",
    "é",
    "🙂",
    "'\"'\"'",
]


def _prelude(record: Path) -> str:
    lines = [f'__rec() {{ printf \'%s\\0\' "$#" "$@" >> {quote([str(record)]).text}; }}']
    for name, status in STUBS.items():
        if status == "diff-index":
            lines.append(f'{name}() {{ __rec {name} "$@"; [ "$1" != diff-index ]; }}')
        else:
            lines.append(f'{name}() {{ __rec {name} "$@"; return {status}; }}')
    return "\n".join(lines)


def _run(command: Shell, folder: Path) -> list[list[str]]:
    record = folder / "calls"
    record.unlink(missing_ok=True)
    empty_path = folder / "empty-path"
    empty_path.mkdir(exist_ok=True)
    script = f"{_prelude(record)}\n{command.text}\nwait\n"
    done = subprocess.run(
        [BASH, "--norc", "--noprofile", "-c", script],
        cwd=folder,
        env={"PATH": str(empty_path), "HOME": str(folder / "home")},
        capture_output=True,
        timeout=20,
        check=False,
    )
    assert b"command not found" not in done.stderr, done.stderr
    assert b"syntax error" not in done.stderr, done.stderr
    assert not (folder / "pwned").exists()
    raw = record.read_bytes() if record.exists() else b""
    fields = raw.split(b"\0")[:-1]
    calls: list[list[str]] = []
    index = 0
    while index < len(fields):
        count = int(fields[index])
        calls.append([f.decode("utf-8", "surrogateescape") for f in fields[index + 1 : index + 1 + count]])
        index += 1 + count
    return calls


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[str], Shell]
    kind: str = "text"  # text | abspath | filename | id | gitname


CASES = [
    Case("ensure_git_repo.work_dir", lambda v: c.ensure_git_repo(v), "abspath"),
    Case("ensure_git_repo.email", lambda v: c.ensure_git_repo("/w", email=v)),
    Case("ensure_git_repo.name", lambda v: c.ensure_git_repo("/w", name=v)),
    Case("ensure_git_repo.branch", lambda v: c.ensure_git_repo("/w", branch=v), "gitname"),
    Case("commit_all.work_dir", lambda v: c.commit_all(v), "abspath"),
    Case("commit_all.message", lambda v: c.commit_all("/w", message=v)),
    Case("git_remote_url.work_dir", lambda v: c.git_remote_url(v), "abspath"),
    Case("git_remote_url.remote", lambda v: c.git_remote_url("/w", remote=v), "gitname"),
    Case("git_push.work_dir", lambda v: c.git_push(v), "abspath"),
    Case("git_push.remote", lambda v: c.git_push("/w", remote=v), "gitname"),
    Case("git_push.branch", lambda v: c.git_push("/w", branch=v), "gitname"),
    Case("has_commits.work_dir", lambda v: c.has_commits(v), "abspath"),
    Case(
        "git_set_remote.work_dir", lambda v: c.git_set_remote(v, url="https://example.com/r.git"), "abspath"
    ),
    Case("git_set_remote.remote", lambda v: c.git_set_remote("/w", remote=v, url="u"), "gitname"),
    Case("git_set_remote.url", lambda v: c.git_set_remote("/w", url=v)),
    Case("git_status.work_dir", lambda v: c.git_status(v), "abspath"),
    Case("git_push_with_token.work_dir", lambda v: c.git_push_with_token(v), "abspath"),
    Case("git_push_with_token.remote", lambda v: c.git_push_with_token("/w", remote=v), "gitname"),
    Case("git_push_with_token.branch", lambda v: c.git_push_with_token("/w", branch=v), "gitname"),
    Case("zcli_push.service_id", lambda v: c.zcli_push(v), "id"),
    Case("zcli_push.project_id", lambda v: c.zcli_push("svc", project_id=v), "id"),
    Case("zcli_push.setup", lambda v: c.zcli_push("svc", setup=v)),
    Case("zcli_push.working_dir", lambda v: c.zcli_push("svc", working_dir=v)),
    Case("zcli_push.work_dir", lambda v: c.zcli_push("svc", work_dir=v), "abspath"),
    Case("read_file.path", lambda v: c.read_file(v), "abspath"),
    Case("read_file.path.limited", lambda v: c.read_file(v, max_bytes=10), "abspath"),
    Case("write_probe.directory", lambda v: c.write_probe(v), "abspath"),
    Case("dev_server_start.command", lambda v: c.dev_server_start(v, log_file="/tmp/x.log")),
    Case("dev_server_start.work_dir", lambda v: c.dev_server_start("run", work_dir=v), "abspath"),
    Case("dev_server_status.log_file", lambda v: c.dev_server_status(log_file=v), "abspath"),
    Case("dev_server_stop.log_file", lambda v: c.dev_server_stop(log_file=v), "abspath"),
    Case(
        "dev_server_stop.process_match",
        lambda v: c.dev_server_stop(log_file="/tmp/x.log", process_match=v),
    ),
    Case("log_tail.log_file", lambda v: c.log_tail(v), "abspath"),
    Case("http_status.path", lambda v: c.http_status(8080, "/" + v)),
]


def _start_logging_to(log: str) -> Shell:
    return c.dev_server_start("run", log_file=log)


hostile_text = (
    st.lists(
        st.one_of(
            st.sampled_from(HOSTILE), st.text(alphabet=st.characters(blacklist_characters="\x00"), max_size=4)
        ),
        min_size=1,
        max_size=6,
    )
    .map("".join)
    .filter(bool)
)


def _value(kind: str, text: str) -> str:
    return "/" + text if kind == "abspath" else text


def _check(build: Callable[[str], Shell], hostile: str, folder: Path) -> None:
    """``build(MARKER)`` and ``build(hostile)`` make the same calls, the marker replaced by ``hostile``."""
    expected = _run(build(MARKER), folder)
    assert any(MARKER in arg for call in expected for arg in call), "the marker never reached a program"
    try:
        command = build(hostile)
    except InvalidParameter:
        return
    actual = _run(command, folder)
    assert [call[0] for call in actual] == [call[0] for call in expected]
    assert actual == [[arg.replace(MARKER, hostile) for arg in call] for call in expected]


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=hostile_text)
def test_hostile_values_reach_their_argument_verbatim_and_run_nothing_else(
    case: Case, text: str, tmp_path: Path
) -> None:
    hostile = _value(case.kind, text)
    if case.kind in ("id", "gitname") and not PLAIN_NAME.match(hostile):
        # Names are validated: one with anything but letters, digits and . _ / - is refused outright.
        with pytest.raises(InvalidParameter):
            case.build(hostile)
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # refused by quote(); see the poison test below
        with pytest.raises(InvalidParameter):
            case.build(hostile)
        return
    _check(lambda v: case.build(_value(case.kind, v)), text, tmp_path)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=hostile_text.filter(
        lambda t: "/" not in t and t not in (".", "..") and len(t.encode("utf-8", "surrogatepass")) < 200
    ).filter(lambda t: not any(0xD800 <= ord(ch) <= 0xDFFF for ch in t))
)
def test_a_hostile_log_file_name_is_the_file_that_gets_written(text: str, tmp_path: Path) -> None:
    expected = _run(_start_logging_to(str(tmp_path / MARKER)), tmp_path)
    actual = _run(_start_logging_to(str(tmp_path / text)), tmp_path)
    assert actual == [[arg.replace(MARKER, text) for arg in call] for call in expected]
    assert (tmp_path / text).is_file()
    assert (tmp_path / (text + ".pid")).is_file()


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
@pytest.mark.parametrize("poison", ["a\x00b", "a\udd00b"], ids=["nul", "lone-surrogate"])
def test_a_nul_byte_or_broken_unicode_is_refused_by_every_builder(case: Case, poison: str) -> None:
    with pytest.raises(InvalidParameter):
        case.build(_value(case.kind, poison))


def test_option_shaped_names_are_refused_rather_than_passed() -> None:
    with pytest.raises(InvalidParameter):
        c.git_push(remote="--upload-pack=touch pwned")
    with pytest.raises(InvalidParameter):
        c.git_push(branch="-f")
    with pytest.raises(InvalidParameter):
        c.git_remote_url(remote="-v")
    with pytest.raises(InvalidParameter):
        c.ensure_git_repo(branch="../x")


def test_an_id_starting_with_a_dash_cannot_become_a_zcli_flag(tmp_path: Path) -> None:
    calls = _run(c.zcli_push("-g2Rk9", setup="--help"), tmp_path)
    assert calls[-1] == ["zcli", "push", "--service-id=-g2Rk9", "--setup=--help"]


def test_quote_refuses_non_strings_and_bare_strings() -> None:
    with pytest.raises(TypeError):
        quote(["echo", 3])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        quote("echo hi")
