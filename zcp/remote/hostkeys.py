"""Which SSH host keys zcp trusts: pinned per project, never accepted silently.

Trusted keys come from two ``known_hosts`` files: the one ``ZCP_SSH_KNOWN_HOSTS`` names (explicit,
e.g. the file ``zcp sandbox serve --container`` publishes) and the project's own pin file
``<state dir>/ssh/<projectId>.known_hosts``. What happens with a host that has no trusted key is the
policy (``ZCP_SSH_HOST_KEY_POLICY``):

* ``strict`` (default) — refuse (HOST_KEY_REJECTED): trust on first use is not a default;
* ``tofu`` — trust the first key the host shows, write it to the project's pin file, and refuse any
  other key afterwards. For a real project, where zcp runs inside the project's private network and
  the agent creates services as it goes, this is the practical choice; a service whose key really
  changed (deleted and re-created) is unpinned with :meth:`HostKeyStore.forget`, never silently;
* ``off`` — accept any key (what the original tool did with ``StrictHostKeyChecking=no``); only for
  throw-away set-ups.

A key that does not match a pinned one is always refused, whatever the policy but ``off``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from zcp.errors import HostKeyRejected
from zcp.state.fs import atomic_write_text

if TYPE_CHECKING:
    from zcp.config import Settings

Policy = Literal["strict", "tofu", "off"]


def known_hosts_target(host: str, port: int) -> str:
    """How ``known_hosts`` names a host: ``host``, or ``[host]:port`` off port 22."""
    return host if port == 22 else f"[{host}]:{port}"


@dataclass(frozen=True)
class HostKeyStore:
    """The trusted host keys of one project."""

    pin_file: Path
    explicit: Path | None = None
    policy: Policy = "strict"

    @classmethod
    def for_project(cls, settings: Settings, project_id: str) -> HostKeyStore:
        policy: Any = settings.ssh_host_key_policy
        return cls(
            pin_file=settings.state_dir / "ssh" / f"{project_id}.known_hosts",
            explicit=settings.ssh_known_hosts,
            policy=policy,
        )

    def text(self) -> str:
        """Every trusted line (explicit file first, then the pins)."""
        parts = []
        for path in (self.explicit, self.pin_file):
            if path is None:
                continue
            try:
                parts.append(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                continue
            except OSError as error:
                raise HostKeyRejected(
                    f"The known_hosts file {path} cannot be read ({error.strerror}).",
                    suggestion="Fix its permissions or point ZCP_SSH_KNOWN_HOSTS elsewhere.",
                ) from None
        return "".join(p if p.endswith("\n") else p + "\n" for p in parts if p.strip())

    def trusted(self) -> Any:
        """The trusted keys as asyncssh ``SSHKnownHosts`` (None when there are none)."""
        import asyncssh

        text = self.text()
        return asyncssh.import_known_hosts(text) if text.strip() else None

    def is_pinned(self, host: str, port: int) -> bool:
        import ipaddress

        known = self.trusted()
        if known is None:
            return False
        try:
            address = str(ipaddress.ip_address(host))
        except ValueError:
            address = ""
        return bool(known.match(host, address, port)[0])

    def pin(self, host: str, port: int, public_key: str) -> None:
        """Record ``public_key`` (``ssh-ed25519 AAAA…``) as the key of ``host:port`` (atomically)."""
        self.pin_file.parent.mkdir(parents=True, exist_ok=True)
        line = f"{known_hosts_target(host, port)} {public_key.strip()}\n"
        try:
            current = self.pin_file.read_text(encoding="utf-8")
        except FileNotFoundError:
            current = ""
        atomic_write_text(self.pin_file, current + line, mode=0o600)

    def forget(self, host: str, port: int) -> bool:
        """Drop the pinned key of ``host:port`` (after the service was re-created); True if one was pinned."""
        target = known_hosts_target(host, port)
        try:
            lines = self.pin_file.read_text(encoding="utf-8").splitlines(keepends=True)
        except FileNotFoundError:
            return False
        kept = [line for line in lines if target not in line.split(" ", 1)[0].split(",")]
        if len(kept) == len(lines):
            return False
        atomic_write_text(self.pin_file, "".join(kept), mode=0o600)
        return True

    def refusal(self, host: str, port: int) -> HostKeyRejected:
        return HostKeyRejected(
            f"No trusted SSH host key for {known_hosts_target(host, port)}; zcp does not trust a key on first use "
            "by default.",
            suggestion="Point ZCP_SSH_KNOWN_HOSTS at a known_hosts file with the service's key (the sandbox "
            "prints one), or set ZCP_SSH_HOST_KEY_POLICY=tofu to pin the first key seen in this project.",
            details={"host": host, "port": port, "policy": self.policy},
        )
