#!/usr/bin/env python3
"""Memory benchmark: marginal RSS per connected, thinking user.

Each tool is run with N1 and then N2 concurrent users (default 1,000 and
10,000), interleaved across tools and repeated for several rounds. Every user
does one GET /100b.txt and then thinks for a long time with its keep-alive
connection open:

  * Tsung and Stampede: bench/scenarios/think.xml (one GET, then a thinktime
    longer than the whole measurement), users arriving at --rate per second;
  * wrk: `wrk -t1 -cN` with a Lua delay() that lets each connection send one
    request and then waits for the think time (wrk opens all N at once).

Once nginx's stub_status shows all N users connected ("Active connections"),
the harness waits --settle seconds and samples the RSS of the tool's whole
process tree (sum of VmRSS of the tool and its descendants) for --hold seconds;
the peak is kept, together with the number of connections nginx saw during
the sampling. Then the tool is stopped.

    KiB per user = (RSS(N2) - RSS(N1)) / (connected(N2) - connected(N1)) / 1024

per round, median over rounds. The open-file limit is 20,000 per process and
cannot be raised here: N2 is capped at 15,000 (single-process tools).

Example:
  python3 bench/memory.py                          # stampede, wrk, tsung; 1k and 10k users; 3 rounds
  python3 bench/memory.py --tools wrk,tsung --users 1000,5000 --rounds 1
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import netstate, procs  # noqa: E402
from harness.nginx import Nginx  # noqa: E402
from harness.report import check_cpus, fmt, machine, median, pin_self, results_dir, table, write_csv, write_json  # noqa: E402
from harness.tools import Arm, make_arms  # noqa: E402

MAX_USERS_PER_PROCESS = 15_000


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tools", default="stampede,wrk,tsung", help="comma-separated: stampede,wrk,tsung, and stampede-LABEL=PATH for another Stampede build (default: %(default)s)")
    p.add_argument("--users", default="1000,10000", help="N1,N2 concurrent users (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: %(default)s)")
    p.add_argument("--rate", type=float, default=500, help="arrivals per second for scenario tools (default: %(default)s)")
    p.add_argument("--think", type=int, default=0, help="think time in s (default: long enough for the whole measurement)")
    p.add_argument("--hibernate", type=int, help="scenario tools: <option name=\"hibernate\"> in s; above --think, users think without hibernating (default: the tools' own, 10 s)")
    p.add_argument("--settle", type=float, default=2.0, help="seconds to wait after all users are connected (default: %(default)s)")
    p.add_argument("--hold", type=float, default=3.0, help="seconds of RSS sampling (default: %(default)s)")
    p.add_argument("--tool-cpu", type=int, default=0, help="CPU the generator is pinned to (default: %(default)s)")
    p.add_argument("--nginx-cpu", type=int, default=1, help="CPU nginx and the harness are pinned to (default: %(default)s)")
    p.add_argument("--nginx-workers", type=int, default=2, help="nginx worker processes (default: %(default)s)")
    p.add_argument("--results", type=Path, help="parent directory for results (default: bench/results)")
    p.add_argument("--stampede-bin", type=Path, help="Stampede binary (default: target/release/stampede)")
    p.add_argument("--stampede-arg", action="append", default=[], help="extra argument for stampede, before `start` (repeatable)")
    args = p.parse_args()
    try:
        args.sizes = [int(x) for x in args.users.split(",")]
    except ValueError:
        p.error("--users takes two integers, e.g. 1000,10000")
    if len(args.sizes) != 2 or not 0 < args.sizes[0] < args.sizes[1]:
        p.error("--users takes N1,N2 with 0 < N1 < N2")
    if args.sizes[1] > MAX_USERS_PER_PROCESS:
        p.error(f"N2 must be <= {MAX_USERS_PER_PROCESS}: the open-file limit is 20,000 per process (see bench/scale.py for more)")
    if args.think <= 0:
        args.think = int(args.sizes[1] / args.rate * 4) + 30 + 120
    return args


def wait_idle(nginx: Nginx, timeout: float = 60.0) -> int:
    """Wait for the previous run's connections to close; return what is left."""
    deadline = time.monotonic() + timeout
    left = nginx.status().connected_clients
    while left > 0 and time.monotonic() < deadline:
        time.sleep(0.25)
        left = nginx.status().connected_clients
    return max(left, 0)


def run_once(arm: Arm, nginx: Nginx, work: Path, args: argparse.Namespace, users: int, rnd: int) -> dict[str, object]:
    prepared = arm.thinking(nginx, work, users, args.rate, args.think)
    leftover = wait_idle(nginx)
    free = netstate.wait_for_free_ports(int(users * 1.05) + 100)
    start = nginx.status()
    rec: dict[str, object] = {"tool": arm.name, "round": rnd, "users": users, "argv": prepared.argv, "leftover_connections": leftover, "free_ports": free}
    tree = procs.Tree(prepared.argv, cpus=str(args.tool_cpu), env=prepared.env, log_prefix=work / f"{arm.name}-{users}-r{rnd}")
    connect_budget = (users / args.rate * 4 + 30) if arm.scenario_based else 60
    best, best_at = 0, time.monotonic()
    try:
        while True:
            if tree.poll() is not None:
                rec.update(ok=False, reason=f"exited early with code {tree.returncode} after {best} connections")
                return rec
            connected = nginx.status().connected_clients - leftover
            if connected > best:
                best, best_at = connected, time.monotonic()
            if connected >= users or tree.wall > connect_budget or time.monotonic() - best_at > 20:
                break
            time.sleep(0.25)
        rec["seconds_to_connect"] = round(tree.wall, 2)
        time.sleep(args.settle)
        peak, seen = 0, []
        end = time.monotonic() + args.hold
        while True:
            peak = max(peak, tree.live_rss_bytes())
            seen.append(nginx.status().connected_clients - leftover)
            if time.monotonic() >= end:
                break
            time.sleep(0.25)
        rec.update(
            rss_bytes=peak,
            connected=min(seen),
            tree=[f"{p.comm}[{p.pid}]" for p in tree.live_tree()],
            nginx_requests=nginx.status().requests_since(start),
        )
    finally:
        tree.stop()
    if rec["connected"] < users * 0.99:
        rec.update(ok=False, reason=f"only {rec['connected']} of {users} users connected")
    else:
        rec["ok"] = True
    return rec


def summarize(arms: list[Arm], unavailable: dict[str, str], runs: list[dict[str, object]], sizes: list[int]) -> tuple[str, dict[str, object]]:
    n1, n2 = sizes
    rows, summary = [], {}
    for arm in arms:
        if arm.name in unavailable:
            rows.append([arm.name, "-", "-", "-", "-", unavailable[arm.name]])
            summary[arm.name] = {"available": False, "reason": unavailable[arm.name], "kib_per_user": None}
            continue
        marginals, r1s, r2s = [], [], []
        for rnd in sorted({r["round"] for r in runs}):
            a = next((r for r in runs if r["tool"] == arm.name and r["round"] == rnd and r["users"] == n1 and r.get("ok")), None)
            b = next((r for r in runs if r["tool"] == arm.name and r["round"] == rnd and r["users"] == n2 and r.get("ok")), None)
            if a and b and b["connected"] > a["connected"]:
                marginals.append((b["rss_bytes"] - a["rss_bytes"]) / (b["connected"] - a["connected"]) / 1024)
                r1s.append(a["rss_bytes"])
                r2s.append(b["rss_bytes"])
        failed = [r for r in runs if r["tool"] == arm.name and not r.get("ok")]
        s = {
            "available": True,
            "kib_per_user": median(marginals),
            "marginals_kib": [round(m, 2) for m in marginals],
            "rss_n1_mib": (median(r1s) or 0) / 2**20 if r1s else None,
            "rss_n2_mib": (median(r2s) or 0) / 2**20 if r2s else None,
            "failed_runs": len(failed),
        }
        summary[arm.name] = s
        note = f"{len(marginals)} rounds " + str(s["marginals_kib"])
        if failed:
            note += f"; {len(failed)} failed: {failed[0].get('reason')}"
        rows.append([arm.name, fmt(s["rss_n1_mib"], ".1f"), fmt(s["rss_n2_mib"], ".1f"), fmt(s["kib_per_user"], ".2f"), fmt(s["rss_n2_mib"] and s["rss_n2_mib"] * 1024 / n2, ".2f"), note])
    headers = ["tool", f"RSS @{n1:,} MiB", f"RSS @{n2:,} MiB", "marginal KiB/user", f"total KiB/user @{n2:,}", "notes"]
    return table(headers, rows), summary


def main() -> int:
    args = parse_args()
    check_cpus(2)
    pin_self(args.nginx_cpu)
    arms = make_arms([t.strip() for t in args.tools.split(",") if t.strip()], args.stampede_bin, args.stampede_arg)
    for arm in arms:
        if arm.scenario_based and args.hibernate is not None:
            arm.hibernate = args.hibernate
    out = results_dir("memory", args.results)
    work = out / "work"
    work.mkdir()
    print(f"results: {out}")
    info = machine()
    conns = max(args.sizes[1] + 2000, 4096)
    with Nginx(
        workers=args.nginx_workers,
        cpus=str(args.nginx_cpu),
        worker_connections=conns,
        keepalive_timeout=args.think + 600,
        backlog=65535,
    ) as nginx:
        unavailable: dict[str, str] = {}
        for arm in arms:
            ok, reason = arm.available(nginx, work)
            if not ok:
                unavailable[arm.name] = reason
                print(f"{arm.name}: {reason}")
        runs: list[dict[str, object]] = []
        for rnd in range(1, args.rounds + 1):
            for arm in arms:
                if arm.name in unavailable:
                    continue
                for users in args.sizes:
                    rec = run_once(arm, nginx, work, args, users, rnd)
                    runs.append(rec)
                    if rec.get("ok"):
                        print(
                            f"round {rnd}/{args.rounds} {arm.name:<9} {users:>6} users: connected {rec['connected']:>6} "
                            f"in {rec['seconds_to_connect']:.1f} s, RSS {rec['rss_bytes'] / 2**20:8.1f} MiB, "
                            f"nginx saw {rec['nginx_requests']} requests",
                            flush=True,
                        )
                    else:
                        print(f"round {rnd}/{args.rounds} {arm.name:<9} {users:>6} users: FAILED: {rec.get('reason')}", flush=True)
                    write_json(out / "runs.json", {"machine": info, "args": vars(args), "runs": runs})
        text, summary = summarize(arms, unavailable, runs, args.sizes)
    header = (
        f"Memory: users connected and thinking (one GET, then think), N1={args.sizes[0]:,} and N2={args.sizes[1]:,}, "
        f"{args.rounds} interleaved rounds, medians"
        + (f", hibernate={args.hibernate} s (users think without hibernating)" if args.hibernate is not None else "")
        + f".\nRSS = peak sum of VmRSS over the tool's process tree once nginx "
        f"shows all users connected. marginal KiB/user = (RSS(N2)-RSS(N1))/(connected(N2)-connected(N1))."
    )
    print("\n" + header + "\n\n" + text)
    write_json(out / "runs.json", {"machine": info, "args": vars(args), "runs": runs})
    write_csv(out / "runs.csv", runs)
    write_json(out / "summary.json", {"machine": info, "args": vars(args), "tools": summary})
    (out / "summary.txt").write_text(header + "\n\n" + text + "\n")
    return 0


if __name__ == "__main__":
    procs.harness_main(main)
