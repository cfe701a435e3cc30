"""The load generators the benchmarks compare, each as an "arm".

An arm knows how to build its command line for a throughput run and for a
"connected and thinking" memory run, and how to read its own request count
afterwards. The harness runs the command (pinned, as a process tree), counts
on nginx's side independently, and accounts CPU and memory itself.

Arms that execute Tsung XML scenarios (tsung, stampede) get the same rendered
scenario file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import procs
from .nginx import Nginx
from .scenario import Scenario
from .tsunglog import TsungTotals, read_run_totals

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_stampede_bin() -> Path:
    target = os.environ.get("CARGO_TARGET_DIR")
    base = Path(target) if target else REPO_ROOT / "target"
    return base / "release" / "stampede"


@dataclass
class ToolCount:
    """What a tool says it did."""

    requests: int | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    source: str = ""
    totals: TsungTotals | None = None


@dataclass
class Prepared:
    """A command ready to start, and where its results will be."""

    argv: list[str]
    env: dict[str, str] | None = None
    log_dir: Path | None = None
    scenario: Path | None = None


class Arm:
    """Base class. `name` is the column label; `scenario_based` marks XML runners."""

    name = "?"
    scenario_based = False

    def available(self, nginx: Nginx, work: Path) -> tuple[bool, str]:
        raise NotImplementedError

    def version(self) -> str:
        return ""

    def throughput(self, nginx: Nginx, work: Path, users: int, seconds: int) -> Prepared:
        raise NotImplementedError

    def thinking(self, nginx: Nginx, work: Path, users: int, rate: float, think: int) -> Prepared:
        raise NotImplementedError(f"{self.name} has no memory benchmark")

    def count(self, tree: procs.Tree, prepared: Prepared) -> ToolCount:
        raise NotImplementedError


def _out(tree: procs.Tree) -> str:
    return tree.stdout_path.read_text(errors="replace") + "\n" + tree.stderr_path.read_text(errors="replace")


def dpkg_version(package: str) -> str:
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True)
    return out.stdout.strip() if out.returncode == 0 else ""


# ----------------------------------------------------------------------------
# wrk


class Wrk(Arm):
    name = "wrk"

    def available(self, nginx: Nginx, work: Path) -> tuple[bool, str]:
        return (True, "") if shutil.which("wrk") else (False, "wrk not installed (bench/setup.sh)")

    def version(self) -> str:
        return dpkg_version("wrk")

    def throughput(self, nginx: Nginx, work: Path, users: int, seconds: int) -> Prepared:
        return Prepared(["wrk", "-t1", f"-c{users}", f"-d{seconds}s", nginx.url("/100b.txt")])

    def thinking(self, nginx: Nginx, work: Path, users: int, rate: float, think: int) -> Prepared:
        # wrk calls delay() before every request of every connection. The first
        # `users` calls (one per connection as they come up) return 0, later
        # ones the think time: each connection does about one request and then
        # sits idle, connected. wrk connects all users at once (no rate).
        script = work / f"think-{users}.lua"
        script.write_text(
            "-- one request per connection, then a long think (bench/memory.py)\n"
            "local calls = 0\n"
            "function delay()\n"
            "  calls = calls + 1\n"
            f"  if calls <= {users} then return 0 end\n"
            f"  return {think * 1000}\n"
            "end\n"
        )
        return Prepared(
            ["wrk", "-t1", f"-c{users}", f"-d{think}s", f"--timeout={think}s", "-s", str(script), nginx.url("/100b.txt")]
        )

    def count(self, tree: procs.Tree, prepared: Prepared) -> ToolCount:
        text = _out(tree)
        m = re.search(r"(\d+) requests in", text)
        c = ToolCount(requests=int(m.group(1)) if m else None, source="wrk stdout")
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
        if non2xx:
            c.statuses["non-2xx/3xx"] = int(non2xx.group(1))
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
        if sock:
            for key, val in zip(("connect", "read", "write", "timeout"), sock.groups()):
                if int(val):
                    c.errors[key] = int(val)
        return c


# ----------------------------------------------------------------------------
# ab (ApacheBench)


class Ab(Arm):
    name = "ab"

    def available(self, nginx: Nginx, work: Path) -> tuple[bool, str]:
        return (True, "") if shutil.which("ab") else (False, "ab not installed (apache2-utils)")

    def version(self) -> str:
        return dpkg_version("apache2-utils")

    def throughput(self, nginx: Nginx, work: Path, users: int, seconds: int) -> Prepared:
        # -t sets a time limit; -n after it raises ab's implied 50000-request cap.
        return Prepared(["ab", "-q", "-k", "-c", str(users), "-t", str(seconds), "-n", "20000000", nginx.url("/100b.txt")])

    def count(self, tree: procs.Tree, prepared: Prepared) -> ToolCount:
        text = _out(tree)
        m = re.search(r"Complete requests:\s+(\d+)", text)
        c = ToolCount(requests=int(m.group(1)) if m else None, source="ab stdout")
        failed = re.search(r"Failed requests:\s+(\d+)", text)
        if failed and int(failed.group(1)):
            c.errors["failed"] = int(failed.group(1))
        non2xx = re.search(r"Non-2xx responses:\s+(\d+)", text)
        if non2xx:
            c.statuses["non-2xx"] = int(non2xx.group(1))
        return c


# ----------------------------------------------------------------------------
# hey


class Hey(Arm):
    name = "hey"

    def available(self, nginx: Nginx, work: Path) -> tuple[bool, str]:
        return (True, "") if shutil.which("hey") else (False, "hey not installed (not packaged here?)")

    def version(self) -> str:
        return dpkg_version("hey")

    def throughput(self, nginx: Nginx, work: Path, users: int, seconds: int) -> Prepared:
        return Prepared(["hey", "-z", f"{seconds}s", "-c", str(users), nginx.url("/100b.txt")])

    def count(self, tree: procs.Tree, prepared: Prepared) -> ToolCount:
        text = _out(tree)
        c = ToolCount(source="hey stdout")
        for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text):
            c.statuses[code] = int(n)
        errs = re.search(r"Error distribution:\n((?:\s+\[\d+\].*\n?)+)", text)
        if errs:
            c.errors["total"] = sum(int(n) for n in re.findall(r"\[(\d+)\]", errs.group(1)))
        c.requests = sum(c.statuses.values()) if c.statuses else None
        return c


# ----------------------------------------------------------------------------
# Tools that execute Tsung XML scenarios


class ScenarioArm(Arm):
    """Common code of the tsung and stampede arms."""

    scenario_based = True
    # `<option name="hibernate">` for the memory run (seconds); None keeps the default (10 s).
    hibernate: int | None = None

    def command(self, scenario: Path, log_dir: Path) -> Prepared:
        raise NotImplementedError

    def _run_dir(self, work: Path, label: str) -> Path:
        # A fresh -l directory per run: Tsung's run directory has minute
        # resolution and two runs in the same minute would share tsung.log.
        d = work / f"{self.name}-{label}-{time.strftime('%H%M%S')}-{os.getpid()}"
        n = 0
        while d.exists():
            n += 1
            d = d.with_name(f"{d.name}.{n}")
        return d

    def throughput(self, nginx: Nginx, work: Path, users: int, seconds: int) -> Prepared:
        sc = Scenario("loop-get").set_servers("127.0.0.1", nginx.ports).set_duration(seconds).set_users(users)
        cfg = sc.write(work / f"loop-get-{nginx.ports[0]}-{users}u-{seconds}s.xml")
        return self.command(cfg, self._run_dir(work, "loop"))

    def thinking(self, nginx: Nginx, work: Path, users: int, rate: float, think: int) -> Prepared:
        # With maxnumber the phase only bounds the launching: make it long, so
        # a launcher that falls behind the rate still starts every user.
        phase = int(users / rate * 4) + 30
        sc = (
            Scenario("think")
            .set_servers("127.0.0.1", nginx.ports)
            .set_users(users, rate)
            .set_phase_duration(phase)
            .set_thinktime(think)
            .set_client(maxusers=max(users, 100))
        )
        if self.hibernate is not None:
            sc.set_option("hibernate", self.hibernate)
        cfg = sc.write(work / f"think-{nginx.ports[0]}-{users}u.xml")
        return self.command(cfg, self._run_dir(work, f"think{users}"))

    def count(self, tree: procs.Tree, prepared: Prepared) -> ToolCount:
        assert prepared.log_dir is not None
        totals, source = read_run_totals(prepared.log_dir)
        if totals is None:
            return ToolCount(source=source or "no tsung.log or stats.json")
        return ToolCount(
            requests=totals.requests,
            statuses=totals.statuses,
            errors=totals.errors,
            source=source,
            totals=totals,
        )


class Tsung(ScenarioArm):
    """Tsung 1.7 run as docs/../running-tsung.md says: one VM, loopback epmd."""

    name = "tsung"
    _seq = 0

    def available(self, nginx: Nginx, work: Path) -> tuple[bool, str]:
        return (True, "") if shutil.which("tsung") else (False, "tsung not installed (bench/setup.sh)")

    def version(self) -> str:
        return dpkg_version("tsung")

    def command(self, scenario: Path, log_dir: Path) -> Prepared:
        Tsung._seq += 1
        env = dict(os.environ, ERL_EPMD_ADDRESS="127.0.0.1")
        node = f"bench{os.getpid()}n{Tsung._seq}"
        argv = ["tsung", "-n", "-i", node, "-f", str(scenario), "-l", str(log_dir), "start"]
        return Prepared(argv, env=env, log_dir=log_dir, scenario=scenario)


class Stampede(ScenarioArm):
    """The Stampede binary, run exactly like Tsung (`-f X -l DIR -n start`).

    It must exit by itself when the scenario is done and leave, somewhere
    under DIR, a `tsung.log` in Tsung's format (preferred) or a `stats.json`.
    """

    name = "stampede"

    def __init__(self, binary: Path | None = None, extra_args: list[str] | None = None) -> None:
        self.binary = Path(binary) if binary else default_stampede_bin()
        self.extra_args = extra_args or []
        self._probe: tuple[bool, str] | None = None

    def version(self) -> str:
        if not self.binary.exists():
            return ""
        out = subprocess.run([str(self.binary), "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or out.stderr.strip()

    def command(self, scenario: Path, log_dir: Path, target: str | None = None) -> Prepared:
        argv = [str(self.binary), "-f", str(scenario), "-l", str(log_dir), "-n"]
        if target:
            argv += ["--target", target]
        argv += [*self.extra_args, "start"]
        return Prepared(argv, log_dir=log_dir, scenario=scenario)

    def available(self, nginx: Nginx, work: Path) -> tuple[bool, str]:
        """Run a 3-request probe scenario once; remember the verdict."""
        if self._probe is None:
            self._probe = self._run_probe(nginx, work)
        return self._probe

    def _run_probe(self, nginx: Nginx, work: Path) -> tuple[bool, str]:
        if not self.binary.exists():
            return False, f"not available: no binary at {self.binary} (cargo build --release -p stampede-cli)"
        cfg = Scenario("probe").set_servers("127.0.0.1", nginx.ports).write(work / "probe.xml")
        prepared = self.command(cfg, self._run_dir(work, "probe"))
        before = nginx.status()
        tree = procs.Tree(prepared.argv, log_prefix=work / "stampede-probe")
        rc = tree.wait(60.0)
        if rc is None:
            tree.stop()
            return False, "not available: the probe run did not finish within 60 s"
        seen = nginx.status().requests_since(before)
        tail = _tail(_out(tree))
        if rc != 0:
            return False, f"not available: `stampede ... start` exited with {rc}: {tail}"
        totals, _source = read_run_totals(prepared.log_dir or work)
        if totals is None:
            return False, (
                f"not available: exited 0 but left no tsung.log or stats.json under the -l directory "
                f"(nginx saw {seen} requests){': ' + tail if tail else ''}"
            )
        if seen == 0:
            return False, "not available: the probe run sent no request to nginx"
        return True, ""


def _tail(text: str, chars: int = 300) -> str:
    text = " ".join(text.split())
    return text[-chars:]


ALL_ARMS = {"stampede": Stampede, "wrk": Wrk, "tsung": Tsung, "ab": Ab, "hey": Hey}


def make_arms(names: list[str], stampede_bin: Path | None, stampede_args: list[str]) -> list[Arm]:
    """One arm per name. `stampede-LABEL=PATH` adds another Stampede build, reported as
    `stampede-LABEL` (e.g. `stampede-before=/tmp/old/stampede`), to compare two builds in the
    same interleaved rounds."""
    arms: list[Arm] = []
    for name in names:
        label, sep, path = name.partition("=")
        if sep and label.startswith("stampede-") and path:
            arm = Stampede(Path(path), stampede_args)
            arm.name = label
            arms.append(arm)
            continue
        if name not in ALL_ARMS:
            raise SystemExit(f"unknown tool {name!r}; known: {', '.join(ALL_ARMS)}, stampede-LABEL=PATH")
        arms.append(Stampede(stampede_bin, stampede_args) if name == "stampede" else ALL_ARMS[name]())
    return arms
