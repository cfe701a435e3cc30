"""Read the totals out of a `tsung.log` (Tsung's text stats format).

Each block starts with `# stats: dump at <unix seconds>` and has lines:

    stats: <sample> <n> <mean> <stddev> <max> <min> <global mean> <global count>
    stats: <counter> <delta> <total>
    stats: users <current> <max>
    stats: connected <delta> <current>

Totals are taken so that Tsung's one-interval lag of the global columns does
not matter: a sample's total is the sum of its per-interval counts `n`, a
counter's total is the largest cumulative value seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

SAMPLES_WITH_8_FIELDS = 7  # name + 7 numbers


@dataclass
class TsungTotals:
    """What a finished run did, from its tsung.log."""

    samples: dict[str, int] = field(default_factory=dict)  # name -> number of samples
    counters: dict[str, int] = field(default_factory=dict)  # name -> cumulative total
    max_users: int = 0
    max_connected: int = 0
    blocks: int = 0

    @property
    def requests(self) -> int:
        """Completed requests (samples of `request`)."""
        return self.samples.get("request", 0)

    @property
    def sessions(self) -> int:
        """Finished sessions (samples of `session`)."""
        return self.samples.get("session", 0)

    @property
    def statuses(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.counters.items()) if k.isdigit()}

    @property
    def errors(self) -> dict[str, int]:
        return {k: v for k, v in sorted(self.counters.items()) if k.startswith("error_")}

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "sessions": self.sessions,
            "statuses": self.statuses,
            "errors": self.errors,
            "users_count": self.counters.get("users_count", 0),
            "finish_users_count": self.counters.get("finish_users_count", 0),
            "max_users": self.max_users,
            "samples": dict(sorted(self.samples.items())),
            "counters": dict(sorted(self.counters.items())),
        }


def parse_tsung_log(path: Path) -> TsungTotals:
    totals = TsungTotals()
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("# stats: dump at"):
            totals.blocks += 1
            continue
        if not line.startswith("stats: "):
            continue
        parts = line[len("stats: ") :].split()
        if not parts:
            continue
        name, nums = parts[0], parts[1:]
        if name.startswith("{"):  # OS monitoring, e.g. {cpu,"tsung_controller@host"}
            continue
        try:
            values = [float(x) for x in nums]
        except ValueError:
            continue
        if name == "users" and len(values) >= 2:
            totals.max_users = max(totals.max_users, int(values[1]))
        elif name == "connected" and len(values) >= 2:
            totals.max_connected = max(totals.max_connected, int(values[1]))
        elif len(values) == SAMPLES_WITH_8_FIELDS:
            totals.samples[name] = totals.samples.get(name, 0) + int(values[0])
        elif len(values) == 2:
            totals.counters[name] = max(totals.counters.get(name, 0), int(values[1]))
    return totals


def find_run_file(log_root: Path, name: str) -> Path | None:
    """The newest `name` below a `-l` directory (Tsung adds a YYYYMMDD-HHMM level)."""
    found = sorted(log_root.rglob(name), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def totals_from_stats_json(path: Path) -> TsungTotals | None:
    """Best effort for a run that left only stats.json.

    Two shapes are understood: Tsung's JSON backend
    (`{"stats":[{"timestamp":T,"samples":[...]}]}`), and a flat object with
    `requests`/`sessions`/`statuses` totals. Anything else gives None (the
    harness then relies on nginx's count alone).
    """
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    totals = TsungTotals()
    if isinstance(data, dict) and isinstance(data.get("stats"), list):
        for block in data["stats"]:
            totals.blocks += 1
            for s in block.get("samples", []) if isinstance(block, dict) else []:
                name = str(s.get("name", ""))
                if "mean" in s:
                    totals.samples[name] = totals.samples.get(name, 0) + int(s.get("value", 0))
                elif "total" in s:
                    key = name[5:] if name.startswith("http_") else name
                    totals.counters[key] = max(totals.counters.get(key, 0), int(s.get("total", 0)))
        return totals if totals.blocks else None
    if isinstance(data, dict) and isinstance(data.get("requests"), int):
        totals.samples["request"] = data["requests"]
        if isinstance(data.get("sessions"), int):
            totals.samples["session"] = data["sessions"]
        for code, n in (data.get("statuses") or {}).items():
            if str(code).isdigit() and isinstance(n, int):
                totals.counters[str(code)] = n
        totals.blocks = 1
        return totals
    return None


def read_run_totals(log_root: Path) -> tuple[TsungTotals | None, str]:
    """Totals from a run directory: tsung.log first, else stats.json."""
    log = find_run_file(log_root, "tsung.log")
    if log is not None:
        return parse_tsung_log(log), str(log)
    js = find_run_file(log_root, "stats.json")
    if js is not None:
        return totals_from_stats_json(js), str(js)
    return None, ""
