#!/usr/bin/env python3
"""Start-up and wind-down latency of `stampede ... start`.

For each run, a one-shot HTTP server on 127.0.0.1 (a free port, this process)
receives the probe scenario's 3 requests (bench/scenarios/probe.xml: one static
user starting at 0 s, 3 GETs in a loop) and answers each with a 100-byte body.
It measures:

  * start-up to first request: from spawning the binary to the first complete
    request head arriving (scenario loading, run directory, worker threads,
    connect, and Tsung's 1 ms initial pause of a user included);
  * last response to exit: from sending the last response to the process's
    exit, which includes writing the report (tsung.log, stats.json,
    report.html, timeseries.csv). The run must leave a report.html.

Medians and maxima over N runs. Targets: start-up < 50 ms, report < 1 s.

    python3 bench/startup.py [--stampede-bin PATH] [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from harness.tools import default_stampede_bin  # noqa: E402

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\n" + b"x" * 100
REQUESTS = 3
TIMEOUT_S = 30.0


def once(binary: Path, work: Path) -> tuple[float, float]:
    """One run: (ms to the first request, ms from the last response to exit)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(TIMEOUT_S)
    port = srv.getsockname()[1]
    scenario = work / "probe.xml"
    scenario.write_text((BENCH / "scenarios" / "probe.xml").read_text().replace('port="8080"', f'port="{port}"'))
    run_dir = work / "run"
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [str(binary), "-f", str(scenario), "-l", str(run_dir), "-n", "start"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    first = last = None
    try:
        conn, _ = srv.accept()
        conn.settimeout(TIMEOUT_S)
        pending = b""
        served = 0
        while served < REQUESTS:
            data = conn.recv(4096)
            if not data:
                break
            pending += data
            while b"\r\n\r\n" in pending and served < REQUESTS:
                _, pending = pending.split(b"\r\n\r\n", 1)
                if first is None:
                    first = time.monotonic()
                conn.sendall(RESPONSE)
                served += 1
                last = time.monotonic()
        proc.wait(timeout=TIMEOUT_S)
        end = time.monotonic()
        conn.close()
    finally:
        srv.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if first is None or last is None or served < REQUESTS:
        raise RuntimeError(f"the probe sent {served} of {REQUESTS} requests")
    if proc.returncode != 0:
        raise RuntimeError(f"stampede exited with {proc.returncode}")
    if not any("report.html" in files for _, _, files in os.walk(run_dir)):
        raise RuntimeError("no report.html under the run directory")
    return (first - t0) * 1000, (end - last) * 1000


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--stampede-bin", type=Path, default=None, help="Stampede binary (default: target/release/stampede)")
    p.add_argument("--runs", type=int, default=10, help="runs (default: %(default)s)")
    args = p.parse_args()
    binary = args.stampede_bin or default_stampede_bin()
    if not binary.exists():
        print(f"no binary at {binary} (cargo build --release -p stampede-cli)", file=sys.stderr)
        return 1
    starts, ends = [], []
    for _ in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="stampede-startup-"))
        try:
            s, e = once(binary, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        starts.append(s)
        ends.append(e)
    print(f"{binary}: {args.runs} runs")
    print(f"  start-up to first request:  median {statistics.median(starts):6.1f} ms, max {max(starts):6.1f} ms")
    print(f"  last response to exit:      median {statistics.median(ends):6.1f} ms, max {max(ends):6.1f} ms (report written)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
