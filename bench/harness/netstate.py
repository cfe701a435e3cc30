"""Ephemeral ports in use on loopback (from /proc/net/tcp), and waiting for them.

A generator that is stopped closes its connections first, so each of them sits
in TIME_WAIT on the client side for 60 s and keeps its source port. Large runs
back to back would then run out of the 28,232 ephemeral ports of 127.0.0.1;
the harness waits until enough are free before it starts one.
"""

from __future__ import annotations

import socket
import struct
import time
from pathlib import Path


def port_range() -> tuple[int, int]:
    lo, hi = (int(x) for x in Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split())
    return lo, hi


def used_ports(source: str = "127.0.0.1") -> int:
    """Distinct ephemeral local ports held by any TCP socket on `source` (any state)."""
    lo, hi = port_range()
    want = f"{struct.unpack('<I', socket.inet_aton(source))[0]:08X}"
    used = set()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            local = line.split()[1]
            ip_hex, port_hex = local.split(":")
            if ip_hex == want:
                port = int(port_hex, 16)
                if lo <= port <= hi:
                    used.add(port)
    return len(used)


def wait_for_free_ports(needed: int, source: str = "127.0.0.1", timeout: float = 75.0) -> int:
    """Wait (up to `timeout`, TIME_WAIT lasts 60 s) until `needed` ports are free; return the free count."""
    lo, hi = port_range()
    deadline = time.monotonic() + timeout
    while True:
        free = (hi - lo + 1) - used_ports(source)
        if free >= needed or time.monotonic() >= deadline:
            return free
        time.sleep(1.0)
