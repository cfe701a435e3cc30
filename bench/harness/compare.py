#!/usr/bin/env python3
"""Run the same fixed-work scenario through Tsung and Stampede; compare the counts.

For each scenario (default: every bench/scenarios/compare-*.xml) the script
runs Tsung, then Stampede, against the same target, and prints side by side:
requests, requests per HTTP status, sessions (finished users), users started,
errors, and, when the target is the harness's own nginx, nginx's own count of
the requests of each run. The verdict is IDENTICAL when every row matches.

The scenarios do a fixed amount of work (maxnumber or static users, no
<load duration>), so the counts do not depend on timing.

Target: a private nginx started by this script (default), or --target
host:port, which must be a loopback address. Tsung gets a copy of the
scenario with its <servers> rewritten to the target; Stampede gets the
original file, unchanged, with `--target host:port`:

  tsung -n -i NAME -f RENDERED.xml -l DIR start             (ERL_EPMD_ADDRESS=127.0.0.1)
  target/release/stampede -f bench/scenarios/X.xml -l DIR -n --target H:P start
  (with --stampede-rendered: stampede -f RENDERED.xml -l DIR -n start)

Exit status: 0 all identical; 1 some difference; 3 Stampede not available
(Tsung side still printed); 4 Tsung failed.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import procs  # noqa: E402
from harness.nginx import Nginx  # noqa: E402
from harness.report import results_dir, table, write_json  # noqa: E402
from harness.scenario import SCENARIO_DIR, Scenario  # noqa: E402
from harness.tools import Stampede, Tsung, _out, _tail  # noqa: E402
from harness.tsunglog import TsungTotals, read_run_totals  # noqa: E402


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/compare-tsung.sh", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("scenarios", nargs="*", help="scenario names or paths (default: bench/scenarios/compare-*.xml)")
    p.add_argument("--target", help="host:port of a loopback server to use instead of the private nginx")
    p.add_argument("--stampede-bin", type=Path, help="Stampede binary (default: target/release/stampede)")
    p.add_argument("--stampede-arg", action="append", default=[], help="extra argument for stampede, before `start` (repeatable)")
    p.add_argument(
        "--stampede-rendered",
        action="store_true",
        help="give Stampede the same rendered copy as Tsung instead of the original file with --target",
    )
    p.add_argument("--timeout", type=int, default=300, help="seconds allowed per run (default: %(default)s)")
    p.add_argument("--results", type=Path, help="parent directory for results (default: bench/results)")
    return p.parse_args()


def loopback_target(spec: str) -> tuple[str, int]:
    host, sep, port = spec.rpartition(":")
    if not sep or not port.isdigit():
        raise SystemExit(f"--target must be host:port, got {spec!r}")
    host = host.strip("[]")
    try:
        addrs = {info[4][0] for info in socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)}
    except socket.gaierror as exc:
        raise SystemExit(f"--target {spec}: cannot resolve {host!r}: {exc}") from exc
    if not addrs or not all(ipaddress.ip_address(a).is_loopback for a in addrs):
        raise SystemExit(f"--target {spec}: only loopback targets are allowed (127.0.0.0/8, ::1); {host} is {sorted(addrs)}")
    return host, int(port)


def run_side(argv: list[str], env: dict[str, str] | None, log_dir: Path, log_prefix: Path, nginx: Nginx | None, timeout: int) -> dict[str, object]:
    before = nginx.status() if nginx else None
    tree = procs.Tree(argv, env=env, log_prefix=log_prefix)
    rc = tree.wait(timeout, tick=0.1)
    side: dict[str, object] = {"argv": argv, "wall_s": round(tree.wall, 2)}
    if rc is None:
        tree.stop()
        side.update(ok=False, reason=f"did not finish within {timeout} s (stopped)")
        return side
    if nginx and before:
        side["nginx_requests"] = nginx.status().requests_since(before)
        _wait_idle(nginx)
    side["exit_code"] = rc
    totals, source = read_run_totals(log_dir)
    side["source"] = source
    if rc != 0:
        side.update(ok=False, reason=f"exit code {rc}: {_tail(_out(tree))}")
    elif totals is None:
        side.update(ok=False, reason=f"exited 0 but left no tsung.log or stats.json under {log_dir}: {_tail(_out(tree))}")
    else:
        side.update(ok=True, totals=totals)
    return side


def _wait_idle(nginx: Nginx, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and nginx.status().connected_clients > 0:
        time.sleep(0.1)


def rows_of(totals: TsungTotals, nginx_requests: object) -> dict[str, str]:
    rows = {"requests": str(totals.requests)}
    for code, n in totals.statuses.items():
        rows[f"status {code}"] = str(n)
    rows["sessions (finished)"] = str(totals.sessions)
    rows["users started"] = str(totals.counters.get("users_count", 0))
    rows["users finished"] = str(totals.counters.get("finish_users_count", 0))
    for name, n in totals.errors.items():
        rows[name] = str(n)
    if nginx_requests is not None:
        rows["nginx: requests seen"] = str(nginx_requests)
    return rows


def compare_one(path: Path, target: tuple[str, int] | None, args: argparse.Namespace, out: Path, stampede: Stampede) -> tuple[int, dict[str, object]]:
    nginx: Nginx | None = None
    work = out / path.stem
    work.mkdir(parents=True, exist_ok=True)
    try:
        if target is None:
            nginx = Nginx(workers=1, cpus=None)
            nginx.start()
            host, port = "127.0.0.1", nginx.ports[0]
        else:
            host, port = target
        rendered = Scenario(path).set_servers(host, [port]).write(work / f"tsung-{path.name}")
        tsung_cmd = Tsung().command(rendered, work / "tsung-log")
        tsung = run_side(tsung_cmd.argv, tsung_cmd.env, work / "tsung-log", work / "tsung", nginx, args.timeout)
        if stampede.binary.exists():
            if args.stampede_rendered:
                st_cmd = stampede.command(rendered, work / "stampede-log")
            else:
                st_cmd = stampede.command(path, work / "stampede-log", target=f"{host}:{port}")
            st = run_side(st_cmd.argv, None, work / "stampede-log", work / "stampede", nginx, args.timeout)
        else:
            st = {"ok": False, "reason": f"no binary at {stampede.binary} (cargo build --release -p stampede-cli)"}
    finally:
        if nginx:
            nginx.stop()

    print(f"\n== {path.name}  (target {host}:{port})")
    record: dict[str, object] = {"scenario": str(path), "target": f"{host}:{port}"}
    if not tsung.get("ok"):
        print(f"Tsung FAILED: {tsung.get('reason')}")
        record.update(tsung=_plain(tsung), stampede=_plain(st), verdict="tsung failed")
        return 4, record
    t_rows = rows_of(tsung["totals"], tsung.get("nginx_requests"))  # type: ignore[arg-type]
    s_rows = rows_of(st["totals"], st.get("nginx_requests")) if st.get("ok") else {}  # type: ignore[arg-type]
    keys = list(t_rows) + [k for k in s_rows if k not in t_rows]
    lines = []
    same = True
    for k in keys:
        a, b = t_rows.get(k, "0"), s_rows.get(k, "0") if st.get("ok") else "-"
        eq = a == b
        same &= eq
        lines.append([k, a, b, "" if not st.get("ok") else ("same" if eq else "DIFFERENT")])
    print(table(["count", "tsung", "stampede", ""], lines))
    if st.get("ok"):
        verdict = "IDENTICAL" if same else "DIFFERENT"
        code = 0 if same else 1
    else:
        verdict = f"stampede not available: {st.get('reason')}"
        code = 3
    print(f"verdict: {verdict}   (Tsung {tsung['wall_s']} s" + (f", Stampede {st['wall_s']} s)" if st.get("ok") else ")"))
    record.update(tsung=_plain(tsung), stampede=_plain(st), verdict=verdict)
    return code, record


def _plain(side: dict[str, object]) -> dict[str, object]:
    d = dict(side)
    totals = d.pop("totals", None)
    if isinstance(totals, TsungTotals):
        d["totals"] = totals.as_dict()
    return d


def main() -> int:
    args = parse_args()
    target = loopback_target(args.target) if args.target else None
    names = args.scenarios or sorted(str(p) for p in SCENARIO_DIR.glob("compare-*.xml"))
    paths = [Scenario(n).source for n in names]
    stampede = Stampede(args.stampede_bin, args.stampede_arg)
    out = results_dir("compare", args.results)
    print(f"results: {out}")
    codes, records = [], []
    for path in paths:
        code, rec = compare_one(path, target, args, out, stampede)
        codes.append(code)
        records.append(rec)
        write_json(out / "compare.json", records)
    worst = 4 if 4 in codes else 1 if 1 in codes else 3 if 3 in codes else 0
    print(f"\n{len(paths)} scenario(s): " + ", ".join(f"{Path(r['scenario']).name}: {r['verdict']}" for r in records))
    return worst


if __name__ == "__main__":
    procs.harness_main(main)
