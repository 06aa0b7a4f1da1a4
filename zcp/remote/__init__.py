"""Reaching services over SSH: remote command lines, the runner that executes them, and mounts.

* :mod:`zcp.remote.shell` — the one quoting function and the operators that combine its output;
* :mod:`zcp.remote.commands` — a builder for every command zcp runs on a service;
* :mod:`zcp.remote.runner` — :class:`RemoteRunner` (asyncssh, imported lazily) and a fake for tests;
* :mod:`zcp.remote.hostkeys` — host-key pinning per project;
* :mod:`zcp.remote.mounts` — :class:`Mounter`: sshfs mounts of ``/var/www/<host>`` (and the sandbox's links).

See ``docs/remote.md``.
"""
