"""A private nginx per benchmark run, on 127.0.0.1 only.

Everything lives in a fresh temp dir (config, document root, pid file, error
log, temp paths): the system nginx configuration is never read or touched.
nginx runs in the foreground (`daemon off`) as a child of the harness, in its
own process group, and is stopped by the harness's cleanup on exit, on error
and on Ctrl-C; if the harness is killed outright, the kernel sends the nginx
master SIGTERM (PR_SET_PDEATHSIG).

The `stub_status` page gives nginx's own request count, the independent check
of every tool's claimed count, and its "Active connections", the independent
check of how many users are connected.
"""

from __future__ import annotations

import os
import resource
import shutil
import socket
import tempfile
import time
import http.client
from dataclasses import dataclass
from pathlib import Path

from . import procs

# The file every throughput run fetches: exactly 100 bytes.
BODY_100B = (b"0123456789" * 10)[:99] + b"\n"
INDEX_HTML = b"""<!DOCTYPE html>
<html><head><title>bench</title></head>
<body><h1>Stampede benchmark page</h1><p><a href="/100b.txt">100 bytes</a></p></body></html>
"""
STATUS_PATH = "/nginx_status"
LOOPBACK = "127.0.0.1"
# The harness reads stub_status on a port of its own, from a source address of
# its own, so that its requests never compete with the load for ephemeral
# ports (a run can use up all 28,232 ports of 127.0.0.1).
STATUS_SOURCE = "127.0.0.254"


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """`count` distinct ports that were free on `host` a moment ago."""
    socks, ports = [], []
    try:
        while len(ports) < count:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


@dataclass(frozen=True)
class Status:
    """One reading of stub_status. `polls` numbers the readings made so far."""

    active: int
    accepts: int
    handled: int
    requests: int
    reading: int
    writing: int
    waiting: int
    polls: int
    at: float

    def requests_since(self, before: "Status") -> int:
        """Requests served between two readings, minus the status requests themselves."""
        return (self.requests - before.requests) - (self.polls - before.polls)

    @property
    def connected_clients(self) -> int:
        """Open client connections, not counting the one reading this status."""
        return self.active - 1


def parse_stub_status(text: str, polls: int, at: float) -> Status:
    lines = text.strip().splitlines()
    active = int(lines[0].split(":")[1])
    accepts, handled, requests = (int(x) for x in lines[2].split())
    parts = lines[3].split()
    return Status(active, accepts, handled, requests, int(parts[1]), int(parts[3]), int(parts[5]), polls, at)


class Nginx:
    """A private nginx serving /100b.txt, /index.html, /redirect and stub_status.

    Use as a context manager, or call start() and stop() (stop also runs from
    the harness's cleanup).
    """

    def __init__(
        self,
        *,
        workers: int = 1,
        cpus: str | None = "1",
        ports: int = 1,
        worker_connections: int = 4096,
        keepalive_timeout: int = 300,
        backlog: int = 4096,
        keep_dir: bool = False,
    ) -> None:
        self.workers = workers
        self.cpus = cpus
        self.port_count = ports
        self.worker_connections = worker_connections
        self.keepalive_timeout = keepalive_timeout
        self.backlog = backlog
        self.keep_dir = keep_dir
        self.ports: list[int] = []
        self.status_port = 0
        self.dir: Path | None = None
        self.tree: procs.Tree | None = None
        self._polls = 0

    # -- lifecycle -----------------------------------------------------------
    def __enter__(self) -> "Nginx":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="stampede-bench-nginx-"))
        self._dir_token = procs.on_cleanup(self._remove_dir)
        os.chmod(self.dir, 0o755)  # workers run as an unprivileged user
        root = self.dir / "htdocs"
        root.mkdir()
        (root / "100b.txt").write_bytes(BODY_100B)
        (root / "index.html").write_bytes(INDEX_HTML)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.dir / "tmp" / sub).mkdir(parents=True)
        last_error = ""
        for _attempt in range(5):  # a chosen port may be taken in between: retry
            *self.ports, self.status_port = free_ports(self.port_count + 1)
            conf = self.dir / "nginx.conf"
            conf.write_text(self._config())
            self._polls = 0
            self.tree = procs.Tree(
                ["nginx", "-p", str(self.dir), "-c", str(conf), "-e", str(self.dir / "error.log")],
                cpus=self.cpus,
                log_prefix=self.dir / "nginx",
            )
            if self._wait_ready(10.0):
                return
            last_error = self.error_log_tail()
            self.tree.stop()
        raise RuntimeError(f"nginx did not start: {last_error}")

    def stop(self) -> None:
        if self.tree is not None:
            self.tree.stop()
            self.tree = None
        if not self.keep_dir:
            self._remove_dir()
            procs.drop_cleanup(self._dir_token)

    def _remove_dir(self) -> None:
        if self.dir is not None and self.dir.exists():
            shutil.rmtree(self.dir, ignore_errors=True)

    def _wait_ready(self, timeout: float) -> bool:
        assert self.tree is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.tree.poll() is not None:
                return False
            try:
                for port in [*self.ports, self.status_port]:
                    self._get_status(port)
                return True
            except OSError:
                time.sleep(0.05)
        return False

    # -- config --------------------------------------------------------------
    def _config(self) -> str:
        assert self.dir is not None
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        rlimit = hard if hard != resource.RLIM_INFINITY else 1 << 20
        connections = min(self.worker_connections, rlimit - 100)
        reuseport = " reuseport" if self.workers > 1 else ""
        listens = "\n".join(
            f"        listen {LOOPBACK}:{p} backlog={self.backlog}{reuseport};" for p in self.ports
        )
        listens += f"\n        listen {LOOPBACK}:{self.status_port};  # the harness's status port"
        d = self.dir
        return f"""# Generated by the Stampede benchmark harness; private to one run.
daemon off;
master_process on;
worker_processes {self.workers};
worker_rlimit_nofile {rlimit};
pid {d}/nginx.pid;
error_log {d}/error.log warn;

events {{
    worker_connections {connections};
    use epoll;
}}

http {{
    access_log off;
    log_not_found off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    keepalive_requests 1000000000;
    keepalive_timeout {self.keepalive_timeout}s;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    types {{
        text/plain txt;
        text/html html;
    }}
    default_type application/octet-stream;

    server {{
{listens}
        server_name bench;
        root {d}/htdocs;
        location = {STATUS_PATH} {{ stub_status; }}
        location = /redirect {{ return 301 /index.html; }}
    }}
}}
"""

    # -- reading -------------------------------------------------------------
    def url(self, path: str, port_index: int = 0) -> str:
        return f"http://{LOOPBACK}:{self.ports[port_index]}{path}"

    def _get_status(self, port: int) -> Status:
        self._polls += 1
        polls = self._polls
        conn = http.client.HTTPConnection(LOOPBACK, port, timeout=5, source_address=(STATUS_SOURCE, 0))
        try:
            conn.request("GET", STATUS_PATH, headers={"Connection": "close"})
            resp = conn.getresponse()
            text = resp.read().decode()
            if resp.status != 200:
                raise OSError(f"stub_status answered {resp.status}")
        finally:
            conn.close()
        return parse_stub_status(text, polls, time.monotonic())

    def status(self) -> Status:
        """Read stub_status (the counters are shared by all workers and ports)."""
        return self._get_status(self.status_port)

    def error_log_tail(self, lines: int = 5) -> str:
        if self.dir is None:
            return ""
        path = self.dir / "error.log"
        if not path.exists():
            return ""
        return " | ".join(path.read_text(errors="replace").strip().splitlines()[-lines:])

    def version(self) -> str:
        return nginx_version()


def nginx_version() -> str:
    import subprocess

    out = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    return (out.stderr or out.stdout).strip().replace("nginx version: ", "")
