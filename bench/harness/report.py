"""Machine description, medians, tables and result files."""

from __future__ import annotations

import csv
import json
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path
from typing import Iterable, Sequence

from .tools import dpkg_version

BENCH_DIR = Path(__file__).resolve().parent.parent
RESULTS_DIR = BENCH_DIR / "results"


def machine() -> dict[str, object]:
    """What the docs' machine description needs, read off this machine."""
    model, mhz = "", ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and not model:
            model = line.split(":", 1)[1].strip()
        if line.startswith("cpu MHz") and not mhz:
            mhz = line.split(":", 1)[1].strip()
    mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cpu_model": model,
        "cpu_mhz": mhz,
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "kernel": platform.release(),
        "debian": Path("/etc/debian_version").read_text().strip() if Path("/etc/debian_version").exists() else "",
        "python": platform.python_version(),
        "packages": {
            p: dpkg_version(p)
            for p in ("nginx", "wrk", "tsung", "apache2-utils", "hey", "erlang-base")
        },
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
    }


def median(values: Iterable[float | None]) -> float | None:
    vals = [v for v in values if v is not None]
    return statistics.median(vals) if vals else None


def fmt(value: float | None, spec: str = ".1f", none: str = "-") -> str:
    return none if value is None else format(value, spec)


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append("  ".join(c.ljust(w) for c, w in zip(r, widths)))
    return "\n".join(out)


def results_dir(kind: str, base: Path | None = None) -> Path:
    base = base or RESULTS_DIR
    stamp = time.strftime("%Y%m%d-%H%M%S")
    d, n = base / f"{kind}-{stamp}", 1
    while True:
        try:
            d.mkdir(parents=True)
            return d
        except FileExistsError:
            n += 1
            d = base / f"{kind}-{stamp}-{n}"


def write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def write_csv(path: Path, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: (json.dumps(v) if isinstance(v, (dict, list)) else v) for k, v in r.items()})


def latest(kind: str, name: str, base: Path | None = None) -> Path | None:
    """The newest results/<kind>-*/<name>, if any."""
    base = base or RESULTS_DIR
    found = sorted(base.glob(f"{kind}-*/{name}"))
    return found[-1] if found else None


def pin_self(cpu: int) -> None:
    """Keep the harness itself off the generator's CPU."""
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        pass


def check_cpus(needed: int) -> None:
    n = os.cpu_count() or 1
    if n < needed:
        raise SystemExit(f"this benchmark pins to {needed} CPUs; the machine has {n}")


def tool_version_line(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr).strip() else ""
