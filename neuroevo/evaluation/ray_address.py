"""Checking a Ray cluster address before ``ray.init`` joins it, so a wrong one fails at once in one line.

``ray.init(address=...)`` waits a long time (for ever in some versions) for a cluster that is not there;
here the address is parsed (``auto``, ``HOST:PORT`` or ``ray://HOST:PORT``) and its port probed with a
bounded TCP connection attempt first.
"""

from __future__ import annotations

import os
import re
import socket

from neuroevo.errors import ConfigError

#: Seconds a connection attempt to the cluster's port may take.
CONNECT_TIMEOUT = 5.0
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$")


def parse_address(address: str) -> tuple[str, int] | None:
    """``(host, port)`` of ``HOST:PORT`` / ``ray://HOST:PORT``; None for ``auto``.

    Raises:
        ConfigError: anything else, naming the address and the expected forms.
    """
    text = address.strip()
    if text == "auto":
        return None
    bare = text[len("ray://"):] if text.startswith("ray://") else text
    host, sep, port = bare.rpartition(":")
    if not sep or not _HOST.match(host or "") or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"--address {address!r} is not a Ray cluster address; give auto or HOST:PORT (the "
                          f"address printed by `ray start --head`, e.g. 127.0.0.1:6379)")
    return host.strip("[]"), int(port)


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Refuse (ConfigError) an address whose port does not accept a TCP connection within ``timeout`` s.

    ``auto`` is resolved like Ray does: ``RAY_ADDRESS``, else the cluster started on this machine.
    """
    target = parse_address(address)
    if target is None:
        env = os.environ.get("RAY_ADDRESS", "")
        if env and env != "auto":
            return check_reachable(env, timeout)
        return  # Ray finds the local cluster itself, and says so at once if there is none
    host, port = target
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except socket.timeout:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: no answer within {timeout:g} s") from None
    except OSError as e:
        raise ConfigError(f"cannot reach the Ray cluster at {address}: {e.strerror or e} (is `ray start --head` "
                          f"running there?)") from None
