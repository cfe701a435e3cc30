#!/usr/bin/env python3
"""Print what limits many concurrent loopback connections on this machine.

Read-only: reads sysctls and limits, and opens a few sockets on loopback to
check which source addresses and socket options work. Changes no setting.
The output feeds the "path to 1,000,000 users" section of docs/performance.md.

  python3 bench/sysprobe.py [--json]
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import resource
import socket
from pathlib import Path

IP_BIND_ADDRESS_NO_PORT = 24
IP_TRANSPARENT = 19

SYSCTLS = [
    "net/ipv4/ip_local_port_range",
    "net/ipv4/ip_local_reserved_ports",
    "net/core/somaxconn",
    "net/ipv4/tcp_max_syn_backlog",
    "net/ipv4/tcp_tw_reuse",
    "net/ipv4/tcp_fin_timeout",
    "net/ipv4/tcp_mem",
    "net/ipv4/tcp_rmem",
    "net/ipv4/tcp_wmem",
    "net/netfilter/nf_conntrack_max",
    "fs/file-max",
    "fs/nr_open",
]


def sysctl(name: str) -> str | None:
    try:
        return " ".join(Path("/proc/sys", name).read_text().split())
    except OSError:
        return None


def proc_sys_writable() -> str:
    for line in Path("/proc/mounts").read_text().splitlines():
        parts = line.split()
        if len(parts) > 3 and parts[1] == "/proc/sys":
            return "read-only mount" if "ro" in parts[3].split(",") else "mounted read-write"
    return "no separate mount (" + ("writable by this user" if os.access("/proc/sys/net/ipv4/ip_local_port_range", os.W_OK) else "not writable") + ")"


def nofile() -> dict[str, object]:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    raised = "no"
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard + 1))
        raised = "yes"
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    except (ValueError, OSError) as exc:
        raised = f"no ({exc})"
    return {"soft": soft, "hard": hard, "hard limit can be raised": raised}


def try_connect(listener: socket.socket, source: str, *opts: tuple[int, int, int], port: int = 0) -> str:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        for level, opt, val in opts:
            s.setsockopt(level, opt, val)
        s.bind((source, port))
        s.settimeout(2)
        s.connect(listener.getsockname())
        conn, _ = listener.accept()
        peer = conn.getpeername()
        conn.close()
        return f"ok (server saw {peer[0]}:{peer[1]})"
    except OSError as exc:
        return f"refused: {errno.errorcode.get(exc.errno or 0, exc.errno)} {exc.strerror}"
    finally:
        s.close()


def sockets() -> dict[str, str]:
    out = {}
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        for src in ("127.0.0.1", "127.0.0.2", "127.0.0.254", "127.1.2.3", "127.255.255.254"):
            out[f"connect from {src}"] = try_connect(listener, src)
        out["SO_REUSEADDR on a client socket"] = try_connect(listener, "127.0.0.3", (socket.SOL_SOCKET, socket.SO_REUSEADDR, 1))
        out["SO_REUSEPORT on a client socket"] = try_connect(listener, "127.0.0.3", (socket.SOL_SOCKET, socket.SO_REUSEPORT, 1))
        out["IP_BIND_ADDRESS_NO_PORT"] = try_connect(listener, "127.0.0.4", (socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1))
        out["IP_TRANSPARENT (needs CAP_NET_ADMIN)"] = try_connect(listener, "127.0.0.5", (socket.IPPROTO_IP, IP_TRANSPARENT, 1))
        out["explicit source port 40000"] = try_connect(listener, "127.0.0.6", (socket.SOL_SOCKET, socket.SO_REUSEADDR, 1), port=40000)
    finally:
        listener.close()
    return out


def routes() -> str:
    try:
        import subprocess

        r = subprocess.run(["ip", "-4", "route", "show", "table", "local", "dev", "lo"], capture_output=True, text=True, timeout=5)
        return " | ".join(line.strip() for line in r.stdout.splitlines() if "127." in line)
    except (OSError, ValueError):
        return "ip(8) not available"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--json", action="store_true", help="print JSON")
    args = p.parse_args()
    lo, hi = (int(x) for x in (sysctl("net/ipv4/ip_local_port_range") or "32768 60999").split())
    report = {
        "kernel": os.uname().release,
        "cpus": os.cpu_count(),
        "uid": os.getuid(),
        "sysctl": {k.replace("/", "."): sysctl(k) for k in SYSCTLS},
        "/proc/sys": proc_sys_writable(),
        "RLIMIT_NOFILE": nofile(),
        "ephemeral ports per (source address, destination address:port)": hi - lo + 1,
        "loopback routes": routes(),
        "sockets": sockets(),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    for key, val in report.items():
        if isinstance(val, dict):
            print(f"{key}:")
            for k, v in val.items():
                print(f"  {k}: {v}")
        else:
            print(f"{key}: {val}")


if __name__ == "__main__":
    main()
