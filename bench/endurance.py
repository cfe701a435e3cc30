#!/usr/bin/env python3
"""Endurance: does Stampede stay flat (RSS and req/s) over a long run at full speed?

One run of bench/scenarios/loop-get.xml (50 keep-alive users looping GET
/100b.txt with no think time) for D seconds (default 600) against a private
nginx (1 worker, pinned to the other CPU), with Stampede pinned to one CPU.
Every S seconds it samples the generator's RSS (/proc) and nginx's request
counter, and prints one line per minute.

Verdict, over the run without its first and last minute (ramp-up, shut-down):
  * RSS: growth from the first to the last sampled minute, in KiB and %;
  * req/s: per-minute rates, their spread (max-min over median) and the
    slope of a least-squares line through them, as % of the median per 10 min;
  * counts: Stampede's own request count against nginx's.

`--tool wrk` runs wrk the same way (`wrk -t1 -c50 -dDs`) as a control: a drift
that wrk shows too comes from the machine (a shared host slowing nginx down),
not from Stampede. The "others" column is the busy time of both CPUs used by
neither the generator nor nginx.

    python3 bench/endurance.py                       # 600 s
    python3 bench/endurance.py --duration 120        # a quick look
    python3 bench/endurance.py --tool wrk            # the control
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import procs  # noqa: E402
from harness.nginx import Nginx  # noqa: E402
from harness.report import check_cpus, machine, pin_self, results_dir, table, write_json  # noqa: E402
from harness.tools import Stampede, Wrk  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--tool", choices=["stampede", "wrk"], default="stampede", help="generator; wrk is the control: a drift both show comes from the machine (default: %(default)s)")
    p.add_argument("--duration", type=int, default=600, help="seconds of load (default: %(default)s)")
    p.add_argument("--users", type=int, default=50, help="concurrent keep-alive users (default: %(default)s)")
    p.add_argument("--sample", type=float, default=5.0, help="seconds between samples (default: %(default)s)")
    p.add_argument("--tool-cpu", type=int, default=0, help="CPU the generator is pinned to (default: %(default)s)")
    p.add_argument("--nginx-cpu", type=int, default=1, help="CPU nginx (and this harness) is pinned to (default: %(default)s)")
    p.add_argument("--results", type=Path, help="parent directory for results (default: bench/results)")
    p.add_argument("--stampede-bin", type=Path, help="Stampede binary (default: target/release/stampede)")
    return p.parse_args()


def slope_per_10min(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, value), scaled to 600 s."""
    if len(points) < 2:
        return None
    mx = statistics.fmean(x for x, _ in points)
    my = statistics.fmean(y for _, y in points)
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx * 600


def per_minute(samples: list[dict[str, float]]) -> list[dict[str, float]]:
    """One row per whole minute: req/s over it and the RSS at its end."""
    rows = []
    minute = 1
    start = samples[0]
    for s in samples[1:]:
        if s["t"] >= minute * 60:
            dt = s["t"] - start["t"]
            tool = s["cpu_s"] - start["cpu_s"]
            server = s["nginx_cpu_s"] - start["nginx_cpu_s"]
            rows.append(
                {
                    "minute": minute,
                    "req_per_s": (s["requests"] - start["requests"]) / dt,
                    "rss_kib": s["rss_kib"],
                    "cpu_pct": tool / dt * 100,
                    "nginx_cpu_pct": server / dt * 100,
                    # Busy time of the two CPUs used by neither Stampede nor nginx: other
                    # processes of this shared machine (and the harness), the noise indicator.
                    "others_pct": (s["busy_s"] - start["busy_s"] - tool - server) / dt * 100,
                }
            )
            start = s
            minute += 1
    return rows


def main() -> int:
    args = parse_args()
    check_cpus(2)
    pin_self(args.nginx_cpu)
    out = results_dir("endurance", args.results)
    work = out / "work"
    work.mkdir()
    print(f"results: {out}")
    arm = Stampede(args.stampede_bin) if args.tool == "stampede" else Wrk()
    samples: list[dict[str, float]] = []
    with Nginx(workers=1, cpus=str(args.nginx_cpu)) as nginx:
        ok, reason = arm.available(nginx, work)
        if not ok:
            print(f"{arm.name}: {reason}", file=sys.stderr)
            return 1
        prepared = arm.throughput(nginx, work, args.users, args.duration)
        before = nginx.status()
        tree = procs.Tree(prepared.argv, cpus=str(args.tool_cpu), log_prefix=work / arm.name)
        next_sample = tree.started
        while tree.poll() is None:
            if tree.wall > args.duration + 120:
                tree.stop()
                print(f"{arm.name} did not exit in time; stopped", file=sys.stderr)
                return 1
            snap = procs.snapshot()
            if tree.pid in snap:
                samples.append(
                    {
                        "t": time.monotonic() - tree.started,
                        "rss_kib": tree.live_rss_bytes(snap) / 1024,
                        "cpu_s": tree.live_cpu_seconds(snap),
                        "requests": nginx.status().requests_since(before),
                        "nginx_cpu_s": nginx.tree.live_cpu_seconds(snap) if nginx.tree else 0.0,
                        "busy_s": sum(procs.cpu_busy_ticks(c) or 0 for c in (args.tool_cpu, args.nginx_cpu)) / procs.CLK_TCK,
                    }
                )
                if len(samples) % max(1, int(60 / args.sample)) == 0:
                    s = samples[-1]
                    print(f"  {s['t']:6.0f} s  RSS {s['rss_kib']:9,.0f} KiB  requests {s['requests']:>12,.0f}", flush=True)
            next_sample += args.sample
            time.sleep(max(0.0, next_sample - time.monotonic()))
        nginx_requests = nginx.status().requests_since(before)
    count = arm.count(tree, prepared)
    if tree.returncode != 0 or len(samples) < 2:
        print(f"{arm.name} exited with {tree.returncode} after {len(samples)} samples (see {tree.stdout_path})", file=sys.stderr)
        return 1
    minutes = per_minute(samples)
    steady = minutes[1:-1] if len(minutes) > 3 else minutes
    rates = [m["req_per_s"] for m in steady]
    med = statistics.median(rates) if rates else 0.0
    spread = (max(rates) - min(rates)) / med * 100 if med else None
    slope = slope_per_10min([(m["minute"] * 60, m["req_per_s"]) for m in steady])
    rss_growth = steady[-1]["rss_kib"] - steady[0]["rss_kib"] if steady else None
    rss_slope = slope_per_10min([(m["minute"] * 60, m["rss_kib"]) for m in steady])
    rows = [[str(m["minute"]), f"{m['req_per_s']:,.0f}", f"{m['rss_kib']:,.0f}", f"{m['cpu_pct']:.0f}", f"{m['nginx_cpu_pct']:.0f}", f"{m['others_pct']:.0f}"] for m in minutes]
    text = table(["minute", "req/s", "RSS KiB (end)", f"{arm.name} CPU %", "nginx CPU %", "others on both CPUs %"], rows)
    verdict = (
        f"steady minutes {steady[0]['minute']}..{steady[-1]['minute']}: req/s median {med:,.0f}, "
        f"spread {spread:.1f}% (max-min over median), slope {slope / med * 100 if slope is not None and med else 0:+.1f}% per 10 min\n"
        f"RSS {steady[0]['rss_kib']:,.0f} KiB -> {steady[-1]['rss_kib']:,.0f} KiB "
        f"({rss_growth:+,.0f} KiB, {rss_growth / steady[0]['rss_kib'] * 100:+.1f}%; slope {rss_slope or 0:+,.0f} KiB per 10 min)\n"
        f"requests: nginx {nginx_requests:,}, {arm.name} {count.requests if count.requests is not None else '-'} ({count.source}); "
        f"peak RSS {max(s['rss_kib'] for s in samples):,.0f} KiB"
    )
    header = f"Endurance: {args.users} keep-alive users looping GET /100b.txt for {args.duration} s, {arm.name} on CPU {args.tool_cpu}, nginx (1 worker) on CPU {args.nginx_cpu}."
    print("\n" + header + "\n\n" + text + "\n\n" + verdict)
    write_json(
        out / "summary.json",
        {
            "machine": machine(),
            "args": {k: str(v) for k, v in vars(args).items()},
            "samples": samples,
            "minutes": minutes,
            "req_per_s_median": med,
            "req_per_s_spread_pct": spread,
            "req_per_s_slope_per_10min": slope,
            "rss_growth_kib": rss_growth,
            "nginx_requests": nginx_requests,
            "tool": arm.name,
            "tool_requests": count.requests,
        },
    )
    (out / "summary.txt").write_text(header + "\n\n" + text + "\n\n" + verdict + "\n")
    return 0


if __name__ == "__main__":
    procs.harness_main(main)
