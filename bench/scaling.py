#!/usr/bin/env python3
"""Scaling: what a second worker thread gives Stampede.

Runs bench/scenarios/loop-get.xml (keep-alive users looping GET /100b.txt, no
think time) with `--workers 1` and `--workers 2` in interleaved rounds against
a private nginx, and reports for each: req/s (nginx-counted, steady state),
generator CPU per request, and the ratio of two workers to one.

Two layouts (--layout):
  * shared (default): nothing pinned, nginx with 2 workers. Generator and
    server compete for the same 2 cores, so the req/s ratio is bounded by the
    machine, not by the generator; the CPU-per-request ratio shows what the
    second worker costs (1.00 = no overhead from running two workers).
  * pinned: workers=1 pinned to CPU 0, workers=2 to CPUs 0,1; nginx pinned
    to CPU 1 in both (the 2-worker generator then shares a core with nginx).

The issue's target (2 workers >= 1.8x one worker's req/s with the server on
other, unsaturated cores) needs more than 2 cores: on a 2-core machine the
server always takes a share. Run it with --layout pinned --tool-cpus 0 0,1
--nginx-cpus 2,3 on a 4-core machine for the real target.

    python3 bench/scaling.py [--rounds 3] [--duration 10] [--users 100]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import procs  # noqa: E402
from harness.nginx import Nginx  # noqa: E402
from harness.report import machine, results_dir, table, write_json  # noqa: E402
from harness.tools import Stampede  # noqa: E402
from throughput import steady_state, wait_idle  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: %(default)s)")
    p.add_argument("--duration", type=int, default=10, help="seconds of load per run (default: %(default)s)")
    p.add_argument("--users", type=int, default=100, help="concurrent keep-alive users (default: %(default)s)")
    p.add_argument("--layout", choices=["shared", "pinned"], default="shared", help="CPU layout (default: %(default)s)")
    p.add_argument("--tool-cpus", nargs=2, default=["0", "0,1"], metavar=("ONE", "TWO"), help="pinned layout: CPUs of the 1- and 2-worker runs (default: 0 0,1)")
    p.add_argument("--nginx-cpus", default="1", help="pinned layout: nginx's CPUs (default: %(default)s)")
    p.add_argument("--nginx-workers", type=int, default=2, help="nginx worker processes (default: %(default)s)")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between samples (default: %(default)s)")
    p.add_argument("--results", type=Path, help="parent directory for results (default: bench/results)")
    p.add_argument("--stampede-bin", type=Path, help="Stampede binary (default: target/release/stampede)")
    return p.parse_args()


def run_once(workers: int, cpus: str | None, nginx: Nginx, work: Path, args: argparse.Namespace, rnd: int) -> dict[str, object]:
    arm = Stampede(args.stampede_bin, ["--workers", str(workers)])
    prepared = arm.throughput(nginx, work, args.users, args.duration)
    wait_idle(nginx)
    start = nginx.status()
    tree = procs.Tree(prepared.argv, cpus=cpus, log_prefix=work / f"w{workers}-r{rnd}")
    samples: list[tuple[float, float, int]] = [(tree.started, 0.0, 0)]
    while tree.poll() is None:
        if tree.wall > args.duration + 90:
            tree.stop()
            return {"workers": workers, "round": rnd, "ok": False, "reason": "did not exit in time"}
        time.sleep(args.interval)
        snap = procs.snapshot()
        if tree.pid in snap:
            samples.append((time.monotonic(), tree.live_cpu_seconds(snap), nginx.status().requests_since(start)))
    requests = nginx.status().requests_since(start)
    rec: dict[str, object] = {"workers": workers, "round": rnd, "cpus": cpus, "exit_code": tree.returncode, "nginx_requests": requests, "cpu_s": tree.rusage_cpu}
    steady = steady_state(samples)
    if tree.returncode != 0 or not steady or requests <= 0:
        rec.update(ok=False, reason=f"exit {tree.returncode}, {requests} requests")
        return rec
    rec.update(ok=True, req_per_s=steady["req_per_s"], cpu_us_per_req=steady["cpu_us_per_req"], cpu_pct=steady["cpu_s"] / steady["seconds"] * 100)
    return rec


def main() -> int:
    args = parse_args()
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("scaling needs at least 2 CPUs")
    out = results_dir("scaling", args.results)
    work = out / "work"
    work.mkdir()
    print(f"results: {out}")
    pinned = args.layout == "pinned"
    cpus = {1: args.tool_cpus[0] if pinned else None, 2: args.tool_cpus[1] if pinned else None}
    runs: list[dict[str, object]] = []
    with Nginx(workers=args.nginx_workers, cpus=args.nginx_cpus if pinned else None) as nginx:
        ok, reason = Stampede(args.stampede_bin).available(nginx, work)
        if not ok:
            print(f"stampede: {reason}", file=sys.stderr)
            return 1
        for rnd in range(1, args.rounds + 1):
            for workers in (1, 2):
                rec = run_once(workers, cpus[workers], nginx, work, args, rnd)
                runs.append(rec)
                if rec.get("ok"):
                    print(f"round {rnd} workers={workers}: {rec['req_per_s']:,.0f} req/s, {rec['cpu_us_per_req']:.2f} us/req, generator CPU {rec['cpu_pct']:.0f}%", flush=True)
                else:
                    print(f"round {rnd} workers={workers}: FAILED {rec.get('reason')}", flush=True)
    rows, summary = [], {}
    for workers in (1, 2):
        ok = [r for r in runs if r["workers"] == workers and r.get("ok")]
        s = {key: statistics.median(r[key] for r in ok) if ok else None for key in ("req_per_s", "cpu_us_per_req", "cpu_pct")}
        summary[workers] = s
        rows.append([str(workers), f"{s['req_per_s'] or 0:,.0f}", f"{s['cpu_us_per_req'] or 0:.2f}", f"{s['cpu_pct'] or 0:.0f}", f"{len(ok)}/{args.rounds}"])
    ratios = []
    for rnd in range(1, args.rounds + 1):
        one = next((r for r in runs if r["round"] == rnd and r["workers"] == 1 and r.get("ok")), None)
        two = next((r for r in runs if r["round"] == rnd and r["workers"] == 2 and r.get("ok")), None)
        if one and two:
            ratios.append((two["req_per_s"] / one["req_per_s"], two["cpu_us_per_req"] / one["cpu_us_per_req"]))
    verdict = "no complete round"
    if ratios:
        verdict = (
            f"2 workers / 1 worker, median over rounds: req/s x{statistics.median(r for r, _ in ratios):.2f}, "
            f"CPU per request x{statistics.median(c for _, c in ratios):.2f}"
        )
    header = (
        f"Scaling: {args.users} keep-alive users looping GET /100b.txt, {args.duration} s per run, {args.rounds} interleaved rounds, medians; "
        f"layout {args.layout} (nginx {args.nginx_workers} workers{' on CPUs ' + args.nginx_cpus if pinned else ', unpinned'})."
    )
    text = table(["workers", "req/s", "CPU us/req", "generator CPU %", "runs ok"], rows)
    print("\n" + header + "\n\n" + text + "\n\n" + verdict)
    write_json(out / "summary.json", {"machine": machine(), "args": {k: str(v) for k, v in vars(args).items()}, "runs": runs, "summary": summary, "ratios": ratios})
    (out / "summary.txt").write_text(header + "\n\n" + text + "\n\n" + verdict + "\n")
    return 0


if __name__ == "__main__":
    procs.harness_main(main)
