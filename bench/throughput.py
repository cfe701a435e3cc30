#!/usr/bin/env python3
"""Throughput benchmark: requests per CPU-second of the load generator.

Each tool runs N rounds of D seconds, interleaved (A B C A B C ...), pinned to
one CPU while a private nginx (1 worker) is pinned to the other. 50 keep-alive
users loop GET /100b.txt with no think time. wrk: `wrk -t1 -c50 -dDs`; Tsung
and Stampede: the same rendered bench/scenarios/loop-get.xml.

Per run it measures:
  * requests: nginx's own stub_status delta (the denominator everywhere) and
    the tool's claimed count (flagged when they differ by more than 1%);
  * CPU: user+sys of the tool's whole process tree, from wait4() at exit
    (start-up included, like /usr/bin/time), and a steady-state figure from
    /proc polling over the middle of the run (start-up excluded);
  * wall time, req/s (steady, nginx-counted), CPU per request, and per round
    the ratio of each tool's CPU per request to wrk's in the same round.

The table shows medians over the rounds; raw runs go to
bench/results/throughput-<date>/runs.json and runs.csv.

Example:
  python3 bench/throughput.py                      # stampede, wrk, tsung; 3 x 10 s
  python3 bench/throughput.py --tools wrk,tsung,ab,hey --rounds 5 --duration 15
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import procs  # noqa: E402
from harness.nginx import Nginx  # noqa: E402
from harness.report import (  # noqa: E402
    check_cpus,
    fmt,
    latest,
    machine,
    median,
    pin_self,
    results_dir,
    table,
    write_csv,
    write_json,
)
from harness.tools import Arm, make_arms  # noqa: E402

MISMATCH_LIMIT = 0.01


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tools", default="stampede,wrk,tsung", help="comma-separated: stampede,wrk,tsung,ab,hey, and stampede-LABEL=PATH for another Stampede build (default: %(default)s)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default: %(default)s)")
    p.add_argument("--duration", type=int, default=10, help="seconds of load per run (default: %(default)s)")
    p.add_argument("--users", type=int, default=50, help="concurrent keep-alive users (default: %(default)s)")
    p.add_argument("--tool-cpu", type=int, default=0, help="CPU the generator is pinned to (default: %(default)s)")
    p.add_argument("--nginx-cpu", type=int, default=1, help="CPU nginx (and this harness) is pinned to (default: %(default)s)")
    p.add_argument("--nginx-workers", type=int, default=1, help="nginx worker processes (default: %(default)s)")
    p.add_argument("--interval", type=float, default=0.5, help="seconds between /proc and stub_status samples (default: %(default)s)")
    p.add_argument("--no-warmup", action="store_true", help="skip the 2 s wrk warm-up of nginx")
    p.add_argument("--memory-json", type=Path, help="memory summary for the KB/user column (default: newest bench/results/memory-*/summary.json)")
    p.add_argument("--results", type=Path, help="parent directory for results (default: bench/results)")
    p.add_argument("--stampede-bin", type=Path, help="Stampede binary (default: target/release/stampede)")
    p.add_argument("--stampede-arg", action="append", default=[], help="extra argument for stampede, before `start` (repeatable)")
    return p.parse_args()


def steady_state(samples: list[tuple[float, float, int]]) -> dict[str, float] | None:
    """CPU and requests over the middle of a run.

    `samples` are (monotonic time, tree CPU seconds, nginx requests so far).
    Intervals with at least half the peak request rate are "active"; the first
    and last active interval (ramp-up, shut-down) are dropped.
    """
    intervals = []
    for (t0, c0, r0), (t1, c1, r1) in zip(samples, samples[1:]):
        if t1 > t0:
            intervals.append((t1 - t0, c1 - c0, r1 - r0))
    if not intervals:
        return None
    peak = max(r / dt for dt, _c, r in intervals)
    if peak <= 0:
        return None
    active = [i for i, (dt, _c, r) in enumerate(intervals) if r / dt >= 0.5 * peak]
    first, last = active[0], active[-1]
    if last - first >= 3:
        first, last = first + 1, last - 1
    chosen = intervals[first : last + 1]
    secs = sum(dt for dt, _c, _r in chosen)
    cpu = sum(c for _dt, c, _r in chosen)
    reqs = sum(r for _dt, _c, r in chosen)
    if reqs <= 0:
        return None
    return {"seconds": secs, "cpu_s": cpu, "requests": reqs, "req_per_s": reqs / secs, "cpu_us_per_req": cpu / reqs * 1e6}


def wait_idle(nginx: Nginx, timeout: float = 10.0) -> None:
    """Wait until the previous run's connections are gone."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and nginx.status().connected_clients > 0:
        time.sleep(0.1)


def run_once(arm: Arm, nginx: Nginx, work: Path, args: argparse.Namespace, rnd: int) -> dict[str, object]:
    prepared = arm.throughput(nginx, work, args.users, args.duration)
    wait_idle(nginx)
    rec: dict[str, object] = {"tool": arm.name, "round": rnd, "argv": prepared.argv}
    start_status = nginx.status()
    busy0 = [procs.cpu_busy_ticks(args.tool_cpu), procs.cpu_busy_ticks(args.nginx_cpu)]
    rec["loadavg_before"] = procs.read_loadavg()
    tree = procs.Tree(
        prepared.argv,
        cpus=str(args.tool_cpu),
        env=prepared.env,
        log_prefix=work / f"{arm.name}-r{rnd}",
    )
    samples: list[tuple[float, float, int]] = [(tree.started, 0.0, 0)]
    timeout = args.duration + 90
    while tree.poll() is None:
        if tree.wall > timeout:
            tree.stop()
            rec.update(ok=False, reason=f"did not exit within {timeout} s; stopped")
            break
        time.sleep(args.interval)
        snap = procs.snapshot()
        if tree.pid not in snap:
            continue
        cpu = tree.live_cpu_seconds(snap)
        st = nginx.status()
        samples.append((time.monotonic(), cpu, st.requests_since(start_status)))
    end_status = nginx.status()
    busy1 = [procs.cpu_busy_ticks(args.tool_cpu), procs.cpu_busy_ticks(args.nginx_cpu)]
    wall = tree.wall
    nginx_requests = end_status.requests_since(start_status)
    rec.update(
        exit_code=tree.returncode,
        wall_s=round(wall, 3),
        cpu_s=tree.rusage_cpu,
        user_s=tree.rusage_user,
        sys_s=tree.rusage_sys,
        nginx_requests=nginx_requests,
        tool_cpu_busy_pct=_busy_pct(busy0[0], busy1[0], wall),
        nginx_cpu_busy_pct=_busy_pct(busy0[1], busy1[1], wall),
        log_dir=str(prepared.log_dir or ""),
        stdout=str(tree.stdout_path),
    )
    if tree.rusage_cpu is not None and rec["tool_cpu_busy_pct"] is not None and wall > 0:
        # Busy time of the tool's CPU not charged to the tool: other processes
        # of this shared machine (plus interrupt time): the noise indicator.
        rec["tool_cpu_other_pct"] = round(rec["tool_cpu_busy_pct"] - tree.rusage_cpu / wall * 100, 1)
    if "ok" in rec:
        return rec
    count = arm.count(tree, prepared)
    rec.update(tool_requests=count.requests, tool_count_source=count.source, statuses=count.statuses, errors=count.errors)
    if tree.returncode != 0:
        rec.update(ok=False, reason=f"exit code {tree.returncode}")
        return rec
    if nginx_requests <= 0:
        rec.update(ok=False, reason="nginx saw no requests")
        return rec
    rec["ok"] = True
    rec["cpu_us_per_req"] = tree.rusage_cpu / nginx_requests * 1e6 if tree.rusage_cpu is not None else None
    if tree.rusage_sys is not None:
        rec["sys_us_per_req"] = tree.rusage_sys / nginx_requests * 1e6
    if count.requests is not None:
        mismatch = (count.requests - nginx_requests) / nginx_requests
        rec["count_mismatch_pct"] = round(mismatch * 100, 3)
        rec["count_mismatch"] = abs(mismatch) > MISMATCH_LIMIT
    steady = steady_state(samples)
    if steady:
        rec["steady"] = steady
        rec["req_per_s"] = steady["req_per_s"]
        rec["steady_cpu_us_per_req"] = steady["cpu_us_per_req"]
    else:
        rec["req_per_s"] = nginx_requests / wall
    return rec


def _busy_pct(before: int | None, after: int | None, wall: float) -> float | None:
    if before is None or after is None or wall <= 0:
        return None
    return round((after - before) / procs.CLK_TCK / wall * 100, 1)


def load_memory(path: Path | None) -> tuple[dict[str, float], str]:
    path = path or latest("memory", "summary.json")
    if path is None or not path.exists():
        return {}, ""
    data = json.loads(path.read_text())
    return {t: v["kib_per_user"] for t, v in data.get("tools", {}).items() if v.get("kib_per_user") is not None}, str(path)


def summarize(arms: list[Arm], unavailable: dict[str, str], runs: list[dict[str, object]], memory: dict[str, float]) -> tuple[str, dict[str, object]]:
    wrk_by_round = {r["round"]: r for r in runs if r["tool"] == "wrk" and r.get("ok")}
    summary: dict[str, object] = {}
    rows = []
    for arm in arms:
        name = arm.name
        if name in unavailable:
            rows.append([name, "-", "-", "-", "-", "-", "-", fmt(memory.get(name)), unavailable[name]])
            summary[name] = {"available": False, "reason": unavailable[name]}
            continue
        ok = [r for r in runs if r["tool"] == name and r.get("ok")]
        failed = [r for r in runs if r["tool"] == name and not r.get("ok")]
        ratios, steady_ratios = [], []
        for r in ok:
            w = wrk_by_round.get(r["round"])
            if w and w.get("cpu_us_per_req") and r.get("cpu_us_per_req"):
                ratios.append(r["cpu_us_per_req"] / w["cpu_us_per_req"])
            if w and w.get("steady_cpu_us_per_req") and r.get("steady_cpu_us_per_req"):
                steady_ratios.append(r["steady_cpu_us_per_req"] / w["steady_cpu_us_per_req"])
        s = {
            "available": True,
            "runs_ok": len(ok),
            "runs_failed": len(failed),
            "req_per_s": median(r.get("req_per_s") for r in ok),
            "cpu_us_per_req": median(r.get("cpu_us_per_req") for r in ok),
            "steady_cpu_us_per_req": median(r.get("steady_cpu_us_per_req") for r in ok),
            "sys_us_per_req": median(r.get("sys_us_per_req") for r in ok),
            "ratio_to_wrk_cpu": median(ratios),
            "steady_ratio_to_wrk_cpu": median(steady_ratios),
            "kib_per_user": memory.get(name),
            "count_mismatches": sum(1 for r in ok if r.get("count_mismatch")),
            "max_count_mismatch_pct": max((abs(r.get("count_mismatch_pct", 0.0)) for r in ok), default=None),
            "tool_cpu_other_pct": median(r.get("tool_cpu_other_pct") for r in ok),
        }
        summary[name] = s
        notes = []
        if failed:
            notes.append(f"{len(failed)} failed: {failed[0].get('reason')}")
        if (s["tool_cpu_other_pct"] or 0) > 10:
            notes.append(f"noisy: other processes took {s['tool_cpu_other_pct']:.0f}% of the tool's CPU")
        if s["count_mismatches"]:
            notes.append(f"COUNT MISMATCH >1% in {s['count_mismatches']} run(s) (max {s['max_count_mismatch_pct']}%)")
        rows.append(
            [
                name,
                fmt(s["req_per_s"], ",.0f"),
                fmt(s["cpu_us_per_req"], ".2f"),
                fmt(s["steady_cpu_us_per_req"], ".2f"),
                fmt(s["sys_us_per_req"], ".2f"),
                fmt(s["ratio_to_wrk_cpu"], ".2f"),
                fmt(s["steady_ratio_to_wrk_cpu"], ".2f"),
                fmt(s["kib_per_user"], ".1f"),
                "; ".join(notes) or f"{len(ok)} runs",
            ]
        )
    headers = ["tool", "req/s", "CPU us/req", "steady us/req", "of which sys", "ratio to wrk (CPU)", "steady ratio", "KiB/user", "notes"]
    return table(headers, rows), summary


def main() -> int:
    args = parse_args()
    check_cpus(2)
    pin_self(args.nginx_cpu)
    arms = make_arms([t.strip() for t in args.tools.split(",") if t.strip()], args.stampede_bin, args.stampede_arg)
    out = results_dir("throughput", args.results)
    work = out / "work"
    work.mkdir()
    print(f"results: {out}")
    info = machine()
    with Nginx(workers=args.nginx_workers, cpus=str(args.nginx_cpu)) as nginx:
        info["nginx_port"] = nginx.ports[0]
        unavailable: dict[str, str] = {}
        for arm in arms:
            ok, reason = arm.available(nginx, work)
            if not ok:
                unavailable[arm.name] = reason
                print(f"{arm.name}: {reason}")
        active = [a for a in arms if a.name not in unavailable]
        if not args.no_warmup and any(a.name == "wrk" for a in active):
            warm = procs.Tree(["wrk", "-t1", "-c10", "-d2s", nginx.url("/100b.txt")], cpus=str(args.tool_cpu), log_prefix=work / "warmup")
            warm.wait(30)
        runs: list[dict[str, object]] = []
        for rnd in range(1, args.rounds + 1):
            for arm in active:
                rec = run_once(arm, nginx, work, args, rnd)
                runs.append(rec)
                print(_progress(rec, args.rounds), flush=True)
                write_json(out / "runs.json", {"machine": info, "args": vars(args), "runs": runs})
        memory, memory_src = load_memory(args.memory_json)
        text, summary = summarize(arms, unavailable, runs, memory)
    header = (
        f"Throughput: {args.users} keep-alive users looping GET /100b.txt, {args.duration} s per run, "
        f"{args.rounds} interleaved rounds, medians. Tool on CPU {args.tool_cpu}, nginx ({args.nginx_workers} worker) "
        f"on CPU {args.nginx_cpu}.\nreq/s = nginx-counted, steady state. CPU us/req = user+sys of the tool's process tree "
        f"(wait4, start-up included) / nginx-counted requests; steady = same over the middle of the run.\n"
        f"ratio to wrk = median over rounds of (tool CPU us/req / wrk CPU us/req in the same round); < 1 is better than wrk."
        + (f"\nKiB/user from {memory_src}" if memory_src else "\nKiB/user: run bench/memory.py first")
    )
    print("\n" + header + "\n\n" + text)
    write_json(out / "runs.json", {"machine": info, "args": vars(args), "runs": runs})
    write_csv(out / "runs.csv", [{k: v for k, v in r.items() if k != "steady"} | _flat_steady(r) for r in runs])
    write_json(out / "summary.json", {"machine": info, "args": vars(args), "tools": summary, "memory_source": memory_src})
    (out / "summary.txt").write_text(header + "\n\n" + text + "\n")
    return 0


def _flat_steady(r: dict[str, object]) -> dict[str, object]:
    s = r.get("steady") or {}
    assert isinstance(s, dict)
    return {f"steady_{k}": v for k, v in s.items() if k != "cpu_us_per_req"}


def _progress(rec: dict[str, object], rounds: int) -> str:
    head = f"round {rec['round']}/{rounds} {rec['tool']:<9}"
    if not rec.get("ok"):
        return f"{head} FAILED: {rec.get('reason')} (see {rec.get('stdout')})"
    flag = "  COUNT MISMATCH" if rec.get("count_mismatch") else ""
    return (
        f"{head} nginx {rec['nginx_requests']:>9,} tool {rec.get('tool_requests') or '-':>9}  "
        f"{rec['req_per_s']:>9,.0f} req/s  {rec['cpu_us_per_req']:.2f} us/req "
        f"(steady {fmt(rec.get('steady_cpu_us_per_req'), '.2f')})  wall {rec['wall_s']:.1f} s  "
        f"others on tool CPU {rec.get('tool_cpu_other_pct')}%{flag}"
    )


if __name__ == "__main__":
    procs.harness_main(main)
