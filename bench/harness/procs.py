"""Process trees: start them pinned, account their CPU and memory, always stop them.

CPU accounting (the method docs/performance.md describes):

* The final figure for a run is the `rusage` that `wait4()` returns when the
  generator's root process is reaped. The kernel folds the CPU time of every
  descendant that was itself waited for into its parent, so this is user+sys of
  the whole process tree (the same number `/usr/bin/time` prints), with
  microsecond resolution.
* While a run is going on, the tree is found by walking /proc by parent pid and
  its CPU is the sum of utime+stime+cutime+cstime of the live members (clock
  ticks). This gives the steady-state figure (CPU between two instants in the
  middle of the run) that excludes start-up and shut-down.
* The harness makes itself a "child subreaper" (prctl), so a daemon that a tool
  leaves behind (Erlang's epmd) is re-parented to the harness and can be found
  and stopped by pid.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")

_libc = ctypes.CDLL(None, use_errno=True)


def enable_subreaper() -> None:
    """Make orphaned descendants re-parent to this process instead of init."""
    _libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _child_setup() -> None:
    """Runs in the child before exec: die with the harness even on SIGKILL."""
    _libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)


# --------------------------------------------------------------------------
# Cleanup registry: everything that starts a process or makes a temp dir
# registers an undo action here. It runs on normal exit, on exceptions and on
# SIGINT/SIGTERM/SIGHUP (turned into KeyboardInterrupt).

_cleanups: list[tuple[int, Callable[[], None]]] = []
# Direct children whose exit status a Tree still has to collect itself.
_tracked: set[int] = set()
_next_token = 0


def on_cleanup(action: Callable[[], None]) -> int:
    """Register `action` to run at cleanup (last registered runs first)."""
    global _next_token
    _next_token += 1
    _cleanups.append((_next_token, action))
    return _next_token


def drop_cleanup(token: int) -> None:
    """Forget an action that its owner already performed."""
    _cleanups[:] = [(t, a) for (t, a) in _cleanups if t != token]


def run_cleanups() -> None:
    """Run every registered action once, ignoring further interrupts meanwhile."""
    old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        while _cleanups:
            _, action = _cleanups.pop()
            try:
                action()
            except Exception as exc:  # cleanup must go on whatever happens
                print(f"warning: cleanup step failed: {exc!r}", flush=True)
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def install_signal_handlers() -> None:
    """Turn SIGTERM and SIGHUP into KeyboardInterrupt, like SIGINT."""
    for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(s, _interrupt)


def harness_main(main: Callable[[], int]) -> None:
    """Run a script's main() with the subreaper, signal handlers and cleanup."""
    enable_subreaper()
    install_signal_handlers()
    code = 1
    try:
        code = main()
    except KeyboardInterrupt:
        print("\ninterrupted: stopping everything this run started", flush=True)
        code = 130
    finally:
        run_cleanups()
        left = stop_leftovers()
        if left:
            print(f"stopped leftover processes: {', '.join(left)}", flush=True)
    raise SystemExit(code)


# --------------------------------------------------------------------------
# /proc snapshots


@dataclass(frozen=True)
class ProcInfo:
    """One line of /proc/PID/stat, the fields the harness uses."""

    pid: int
    ppid: int
    comm: str
    state: str  # R, S, D, Z (zombie: exited, not yet reaped), ...
    cpu_ticks: int  # utime + stime + cutime + cstime
    rss_pages: int


def _read_stat(pid: int) -> ProcInfo | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    lpar, rpar = raw.find("("), raw.rfind(")")
    rest = raw[rpar + 2 :].split()
    # rest[0] is field 3 (state); field n is rest[n - 3].
    utime, stime, cutime, cstime = (int(rest[i]) for i in (11, 12, 13, 14))
    return ProcInfo(
        pid=pid,
        ppid=int(rest[1]),
        comm=raw[lpar + 1 : rpar],
        state=rest[0],
        cpu_ticks=utime + stime + cutime + cstime,
        rss_pages=int(rest[21]),
    )


def snapshot() -> dict[int, ProcInfo]:
    """Every visible process, by pid."""
    procs = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            info = _read_stat(int(name))
            if info is not None:
                procs[info.pid] = info
    return procs


def tree_of(root: int, procs: dict[int, ProcInfo]) -> list[ProcInfo]:
    """`root` and all its live descendants (by parent pid)."""
    children: dict[int, list[int]] = {}
    for p in procs.values():
        children.setdefault(p.ppid, []).append(p.pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        if pid in procs:
            out.append(procs[pid])
        todo.extend(children.get(pid, []))
    return out


def cpu_busy_ticks(cpu: int) -> int | None:
    """Busy ticks (all but idle and iowait) of one CPU since boot, from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            v = [int(x) for x in line.split()[1:]]
            return sum(v[:8]) - v[3] - v[4]
    return None


def read_loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


# --------------------------------------------------------------------------
# A started command


class Tree:
    """A command started in its own process group, optionally pinned with taskset.

    The command's own pid is the root of the tree (taskset execs it). Call
    poll() or wait() to reap it: that records the exit status and the rusage
    (user+sys CPU of the whole reaped tree).
    """

    def __init__(
        self,
        argv: list[str],
        *,
        cpus: str | None = None,
        env: dict[str, str] | None = None,
        cwd: str | Path | None = None,
        log_prefix: Path,
    ) -> None:
        if cpus is not None:
            argv = ["taskset", "-c", cpus, *argv]
        self.argv = argv
        self.stdout_path = log_prefix.with_name(log_prefix.name + ".stdout")
        self.stderr_path = log_prefix.with_name(log_prefix.name + ".stderr")
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self._proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=env,
                cwd=cwd,
                start_new_session=True,
                preexec_fn=_child_setup,
            )
        self.pid = self._proc.pid
        _tracked.add(self.pid)
        self.started = time.monotonic()
        self.ended: float | None = None
        self.returncode: int | None = None
        self.rusage_cpu: float | None = None
        self.rusage_user: float | None = None
        self.rusage_sys: float | None = None
        self.max_rss_kib: int | None = None
        self._token = on_cleanup(self.stop)

    # -- state ---------------------------------------------------------------
    def poll(self) -> int | None:
        """The exit code if the root has exited (and is now reaped), else None."""
        if self.returncode is not None:
            return self.returncode
        try:
            pid, status, ru = os.wait4(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.returncode = -1
            self.ended = time.monotonic()
            return self.returncode
        if pid == 0:
            return None
        _tracked.discard(self.pid)
        self.ended = time.monotonic()
        self.returncode = os.waitstatus_to_exitcode(status)
        self._proc.returncode = self.returncode
        self.rusage_cpu = ru.ru_utime + ru.ru_stime
        self.rusage_user, self.rusage_sys = ru.ru_utime, ru.ru_stime
        self.max_rss_kib = ru.ru_maxrss
        reap_zombies()
        return self.returncode

    def wait(self, timeout: float, tick: float = 0.05) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.poll()
            if rc is not None:
                return rc
            time.sleep(tick)
        return self.poll()

    @property
    def wall(self) -> float:
        return (self.ended or time.monotonic()) - self.started

    def live_tree(self, procs: dict[int, ProcInfo] | None = None) -> list[ProcInfo]:
        return tree_of(self.pid, procs if procs is not None else snapshot())

    def live_cpu_seconds(self, procs: dict[int, ProcInfo] | None = None) -> float:
        return sum(p.cpu_ticks for p in self.live_tree(procs)) / CLK_TCK

    def live_rss_bytes(self, procs: dict[int, ProcInfo] | None = None) -> int:
        return sum(p.rss_pages for p in self.live_tree(procs)) * PAGE_SIZE

    # -- stopping ------------------------------------------------------------
    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM the process group (and stray tree members), then SIGKILL."""
        drop_cleanup(self._token)
        members = [p.pid for p in self.live_tree()] if self.poll() is None else []
        for sig, wait_for in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
            if self.poll() is not None and not _any_alive(members):
                break
            _signal_group(self.pid, sig)
            for pid in members:
                _signal_pid(pid, sig)
            self.wait(wait_for)
        self.wait(1.0)
        _tracked.discard(self.pid)
        # A process holding many sockets takes a moment to die after SIGKILL:
        # wait for every member to be gone, reaping those re-parented to us.
        deadline = time.monotonic() + 10.0
        while True:
            reap_zombies()
            if not _any_alive(members) or time.monotonic() >= deadline:
                break
            time.sleep(0.05)


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _signal_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _any_alive(pids: list[int]) -> bool:
    """Whether any of `pids` still runs (a zombie has exited: it does not count)."""
    for pid in pids:
        info = _read_stat(pid)
        if info is not None and info.state != "Z":
            return True
    return False


def orphans() -> list[ProcInfo]:
    """Live or zombie children of this harness that no Tree tracks.

    They are daemons or stragglers our tools left behind, re-parented to us
    because we are their subreaper (for example Erlang's epmd).
    """
    me = os.getpid()
    return [p for p in snapshot().values() if p.ppid == me and p.pid not in _tracked]


def reap_zombies() -> None:
    """Collect exited orphans so they do not pile up as zombies."""
    for p in orphans():
        try:
            os.waitpid(p.pid, os.WNOHANG)
        except ChildProcessError:
            pass


def stop_leftovers(grace: float = 3.0) -> list[str]:
    """Stop every orphan (called at exit, after tracked processes are stopped)."""
    reap_zombies()
    left = [p for p in orphans() if p.state != "Z"]
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in left:
            _signal_pid(p.pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            reap_zombies()
            if not _any_alive([p.pid for p in left]):
                break
            time.sleep(0.05)
        if not _any_alive([p.pid for p in left]):
            break
    return [f"{p.comm}[{p.pid}]" for p in left]
