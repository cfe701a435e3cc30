#!/usr/bin/env python3
"""Scale run: many concurrent connected users from several local generator processes.

Prepared for 100,000 concurrent users with several Stampede processes on this
machine. Each process runs bench/scenarios/think.xml (one GET, then a long
think with the connection open) for its share of the users. The open-file
limit is 20,000 per process, so:

  * the users are split over --processes generator processes (<= 15,000 each);
  * nginx gets --nginx-workers workers (<= ~19,000 connections each, spread
    with SO_REUSEPORT) and listens on --nginx-ports ports; each user picks one
    of the ports (one <server> per port in the scenario);
  * one (source address, destination address:port) pair has 28,232 ephemeral
    ports here, so the users per port must stay below that, or
    --source-ips M adds <ip value="127.0.0.2">..127.0.0.(M+1) to the client
    (Tsung's round-robin source addresses).

With --tool stampede-cluster, one controller starts the generator processes
itself (stampede_cluster: one scenario for all users, `--processes N` local
agents, results merged); it is driven through the crate's harness binary
(target/release/stampede-cluster-harness) until the stampede command has
`--processes`. Its own `connected` gauge (the sum over the agents) is reported
beside nginx's count.

The script reports nginx's count of connected clients, the total RSS of all
generator process trees, RSS per connected user, the source addresses in use
(from /proc/net/tcp), and the time it took to connect everyone.

Examples:
  python3 bench/scale.py                                   # stampede, 100,000 users
  python3 bench/scale.py --tool tsung --users 20000 --processes 2 --nginx-ports 2 --source-ips 2
  python3 bench/scale.py --tool stampede-cluster --users 100000 --rate 700
"""

from __future__ import annotations

import argparse
import math
import os
import re
import socket
import struct
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import netstate, procs  # noqa: E402
from harness.nginx import Nginx  # noqa: E402
from harness.report import machine, results_dir, table, write_json  # noqa: E402
from harness.scenario import Scenario  # noqa: E402
from harness.tools import Prepared, ScenarioArm, Stampede, Tsung, _out, _tail  # noqa: E402

MAX_USERS_PER_PROCESS = 15_000
EPHEMERAL_SAFE = 24_000  # of the 28,232 ports of one address pair, leave room for TIME_WAIT
NGINX_CONNECTIONS_PER_WORKER = 18_000


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tool", choices=["stampede", "stampede-cluster", "tsung"], default="stampede", help="generator (default: %(default)s)")
    p.add_argument("--users", type=int, default=100_000, help="total concurrent users (default: %(default)s)")
    p.add_argument("--processes", type=int, default=0, help=f"generator processes (default: users / {MAX_USERS_PER_PROCESS:,}, rounded up)")
    p.add_argument("--nginx-ports", type=int, default=0, help=f"nginx listen ports (default: users / {EPHEMERAL_SAFE:,}, rounded up)")
    p.add_argument("--nginx-workers", type=int, default=0, help=f"nginx workers (default: users / {NGINX_CONNECTIONS_PER_WORKER:,}, rounded up, at least 2)")
    p.add_argument("--source-ips", type=int, default=0, help="source addresses 127.0.0.2.. to spread users over (default: none, the OS picks)")
    p.add_argument("--rate", type=float, default=500, help="arrivals per second per process (default: %(default)s)")
    p.add_argument("--think", type=int, default=0, help="think time in s (default: long enough for the whole run)")
    p.add_argument("--settle", type=float, default=3.0, help="seconds to wait once everyone is connected (default: %(default)s)")
    p.add_argument("--hold", type=float, default=5.0, help="seconds of sampling (default: %(default)s)")
    p.add_argument("--plateau", type=float, default=30.0, help="give up when the connected count has not grown for this long (default: %(default)s)")
    p.add_argument("--results", type=Path, help="parent directory for results (default: bench/results)")
    p.add_argument("--stampede-bin", type=Path, help="Stampede binary (default: target/release/stampede)")
    p.add_argument("--stampede-arg", action="append", default=[], help="extra argument for stampede, before `start` (repeatable)")
    p.add_argument("--cluster-bin", type=Path, help="stampede-cluster harness (default: target/release/stampede-cluster-harness)")
    p.add_argument("--bind-no-port", action="store_true", help="with --source-ips: <option name=\"ip_bind_address_no_port\"> so ports are per (source, destination) pair")
    a = p.parse_args()
    a.processes = a.processes or math.ceil(a.users / MAX_USERS_PER_PROCESS)
    if math.ceil(a.users / a.processes) > MAX_USERS_PER_PROCESS:
        p.error(f"{a.users:,} users over {a.processes} processes exceeds {MAX_USERS_PER_PROCESS:,} per process (open-file limit 20,000)")
    a.nginx_ports = a.nginx_ports or math.ceil(a.users / EPHEMERAL_SAFE)
    a.nginx_workers = a.nginx_workers or max(2, math.ceil(a.users * 1.05 / NGINX_CONNECTIONS_PER_WORKER))
    if a.source_ips > 253:
        p.error("--source-ips: at most 253 (127.0.0.2 .. 127.0.0.254)")
    # Tsung (Erlang's gen_tcp) binds before connecting, so its ports are unique
    # per source address whatever the destination: only --source-ips helps it.
    # A plain connect() gets ports per (source, destination) pair.
    # Stampede binds too when given source addresses, unless ip_bind_address_no_port is set.
    bind_first = a.tool == "tsung" or (a.source_ips > 0 and not a.bind_no_port)
    pairs = max(1, a.source_ips) * (1 if bind_first else a.nginx_ports)
    if a.users / pairs > EPHEMERAL_SAFE:
        hint = "--source-ips" if a.tool == "tsung" else "--nginx-ports, --source-ips or --bind-no-port"
        p.error(f"{a.users:,} users over {pairs} address pair(s) exceeds ~{EPHEMERAL_SAFE:,} ephemeral ports each: add {hint}")
    if a.think <= 0:
        a.think = int(a.users / a.processes / a.rate * 4) + 30 + 300
    return a


def shares(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def scale_scenario(nginx: Nginx, users: int, rate: float, args: argparse.Namespace) -> Scenario:
    ips = [f"127.0.0.{2 + i}" for i in range(args.source_ips)]
    phase = int(users / rate * 4) + 30  # long: a slow launcher still starts everyone
    sc = (
        Scenario("think")
        .set_servers("127.0.0.1", nginx.ports)
        .set_client(maxusers=users + 10, source_ips=ips)
        .set_users(users, rate)
        .set_phase_duration(phase)
        .set_thinktime(args.think)
    )
    if args.bind_no_port:
        sc.text = sc.text.replace("<sessions>", '<options><option name="ip_bind_address_no_port" value="true"/></options>\n  <sessions>', 1)
    return sc


def prepare(arm: ScenarioArm, nginx: Nginx, work: Path, idx: int, users: int, args: argparse.Namespace) -> Prepared:
    cfg = scale_scenario(nginx, users, args.rate, args).write(work / f"scale-p{idx}-{users}u.xml")
    return arm.command(cfg, work / f"{arm.name}-p{idx}")


def default_cluster_bin() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else Path(__file__).resolve().parent.parent / "target"
    return base / "release" / "stampede-cluster-harness"


def prepare_cluster(nginx: Nginx, work: Path, args: argparse.Namespace) -> Prepared:
    """One controller for all users; it starts --processes agents itself."""
    cfg = scale_scenario(nginx, args.users, args.rate * args.processes, args).write(work / f"scale-cluster-{args.users}u.xml")
    binary = args.cluster_bin or default_cluster_bin()
    argv = [str(binary), "run", "-f", str(cfg), "--processes", str(args.processes), "-l", str(work / "stampede-cluster-run")]
    return Prepared(argv, log_dir=work / "stampede-cluster-run", scenario=cfg)


STATUS_RE = re.compile(r"^status .*?users=(-?\d+) connected=(-?\d+) launched=(\d+) requests=(\d+) errors=(\d+)")


def cluster_gauge(stderr_path: Path) -> dict[str, int] | None:
    """The controller's last status line: users, connected (sums over the agents), launched, requests, errors."""
    last = None
    try:
        with open(stderr_path, errors="replace") as f:
            for line in f:
                m = STATUS_RE.match(line)
                if m:
                    last = m
    except OSError:
        return None
    if not last:
        return None
    keys = ("users", "connected", "launched", "requests", "errors")
    return {k: int(v) for k, v in zip(keys, last.groups())}


def source_addresses(ports: list[int]) -> Counter[str]:
    """Established client sockets towards the nginx ports, by source address."""
    wanted = {f"{p:04X}" for p in ports}
    seen: Counter[str] = Counter()
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split()
            local, remote, state = parts[1], parts[2], parts[3]
            # Client side only: the remote port is an nginx port and the local
            # one is not (a client's ephemeral port can equal an nginx port).
            if state == "01" and remote.split(":")[1] in wanted and local.split(":")[1] not in wanted:
                ip_hex = local.split(":")[0]
                seen[socket.inet_ntoa(struct.pack("<I", int(ip_hex, 16)))] += 1
    return seen


def main() -> int:
    args = parse_args()
    cluster = args.tool == "stampede-cluster"
    arm: ScenarioArm = Tsung() if args.tool == "tsung" else Stampede(args.stampede_bin, args.stampede_arg)
    out = results_dir("scale", args.results)
    work = out / "work"
    work.mkdir()
    print(f"results: {out}")
    plan = shares(args.users, args.processes)
    print(
        f"{args.tool}: {args.users:,} users in {args.processes} processes {plan}; nginx {args.nginx_workers} workers on "
        f"{args.nginx_ports} ports; source addresses: {args.source_ips or 'OS default (127.0.0.1)'}; think {args.think} s"
    )
    rec: dict[str, object] = {"machine": machine(), "args": vars(args), "plan": plan}
    with Nginx(
        workers=args.nginx_workers,
        cpus=None,
        ports=args.nginx_ports,
        worker_connections=NGINX_CONNECTIONS_PER_WORKER + 1000,
        keepalive_timeout=args.think + 600,
        backlog=65535,
    ) as nginx:
        if cluster:
            binary = args.cluster_bin or default_cluster_bin()
            ok, reason = binary.exists(), f"not available: no binary at {binary} (cargo build --release -p stampede-cluster)"
        else:
            ok, reason = arm.available(nginx, work)
        if not ok:
            print(f"{arm.name}: {reason}")
            rec.update(ok=False, reason=reason)
            write_json(out / "scale.json", rec)
            return 3
        sources = [f"127.0.0.{2 + i}" for i in range(args.source_ips)] or ["127.0.0.1"]
        for src in sources:
            netstate.wait_for_free_ports(min(28_000, args.users // len(sources) + 100), src)
        start = nginx.status()
        trees: list[tuple[procs.Tree, Prepared]] = []
        if cluster:
            prepared = prepare_cluster(nginx, work, args)
            trees.append((procs.Tree(prepared.argv, log_prefix=work / "stampede-cluster"), prepared))
        else:
            for i, n in enumerate(plan):
                prepared = prepare(arm, nginx, work, i, n, args)
                trees.append((procs.Tree(prepared.argv, env=prepared.env, log_prefix=work / f"{arm.name}-p{i}"), prepared))
        t0 = time.monotonic()
        best, best_at, last_print = 0, t0, 0.0
        budget = max(plan) / args.rate * 4 + 60
        failed: list[str] = []
        while True:
            for i, (tree, _p) in enumerate(trees):
                if tree.poll() is not None and f"p{i}" not in " ".join(failed):
                    failed.append(f"p{i} exited with {tree.returncode}: {_tail(_out(tree), 200)}")
            connected = nginx.status().connected_clients
            now = time.monotonic()
            if connected > best:
                best, best_at = connected, now
            if now - last_print >= 5:
                snap = procs.snapshot()
                rss = sum(t.live_rss_bytes(snap) for t, _ in trees)
                print(f"  {now - t0:6.1f} s: connected {connected:>7,}  generators RSS {rss / 2**20:8.1f} MiB", flush=True)
                last_print = now
            if connected >= args.users or now - t0 > budget or now - best_at > args.plateau or len(failed) == len(trees):
                break
            time.sleep(0.5)
        seconds_to_connect = time.monotonic() - t0
        time.sleep(args.settle)
        peak, seen = 0, []
        end = time.monotonic() + args.hold
        while True:
            snap = procs.snapshot()
            if cluster:
                # The controller and each agent separately.
                per_proc = [p.rss_pages * procs.PAGE_SIZE for t, _ in trees for p in t.live_tree(snap)]
            else:
                per_proc = [t.live_rss_bytes(snap) for t, _ in trees]
            peak = max(peak, sum(per_proc))
            seen.append(nginx.status().connected_clients)
            if time.monotonic() >= end:
                break
            time.sleep(0.5)
        sources = source_addresses(nginx.ports)
        requests = nginx.status().requests_since(start)
        gauge = cluster_gauge(trees[0][0].stderr_path) if cluster else None
        for tree, _p in trees:
            tree.stop()
        connected = min(seen)
        rec.update(
            ok=connected >= args.users * 0.99,
            connected=connected,
            seconds_to_connect=round(seconds_to_connect, 1),
            rss_bytes=peak,
            kib_per_user=peak / 1024 / connected if connected else None,
            per_process_rss_mib=[round(b / 2**20, 1) for b in per_proc],
            nginx_requests=requests,
            source_addresses=dict(sources),
            nginx_ports=nginx.ports,
            failures=failed,
            nginx_errors=nginx.error_log_tail(3),
            stampede_gauge=gauge,
        )
    rows = [
        ["users wanted", f"{args.users:,}"],
        ["connected (nginx)", f"{connected:,}"],
        ["time to connect", f"{seconds_to_connect:.1f} s"],
        ["generator processes", str(args.processes) + (" (+ controller)" if cluster else "")],
        ["generators' total RSS", f"{peak / 2**20:.1f} MiB"],
        ["RSS per connected user", f"{(peak / 1024 / connected) if connected else 0:.2f} KiB"],
        ["requests seen by nginx", f"{requests:,}"],
        ["source addresses", ", ".join(f"{k}: {v:,}" for k, v in sorted(sources.items())) or "-"],
    ]
    if gauge:
        rows.insert(2, ["connected (stampede gauge)", f"{gauge['connected']:,}"])
        rows.append(["stampede requests / errors", f"{gauge['requests']:,} / {gauge['errors']:,}"])
    print("\n" + table(["", args.tool], rows))
    for f in failed:
        print(f"failure: {f}")
    write_json(out / "scale.json", rec)
    return 0 if rec["ok"] else 1


if __name__ == "__main__":
    procs.harness_main(main)
