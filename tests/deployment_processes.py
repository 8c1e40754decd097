"""The processes of a one-host deployment (deploy/one-host/), started on 127.0.0.1 for a test: each in a
process group of its own, every one killed at the end, their output kept for the failure message."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent  # the venv's dagster, dagster-daemon


class Processes:
    def __init__(self, logs: Path):
        self.logs = logs
        self.started: dict[str, subprocess.Popen] = {}
        self.seen: dict[int, str] = {}  # every descendant seen: pid -> command line

    def start(self, name: str, cmd: list[str], env: dict, cwd: Path) -> subprocess.Popen:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.started[name] = proc
        return proc

    def cli(self, args: list[str], env: dict, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(BIN / "dagster"), *args], env=env, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout)

    def watch(self) -> None:
        """Record the descendants of every started process now (run workers live a few seconds only)."""
        for name, proc in self.started.items():
            for pid in descendants(proc.pid):
                self.seen.setdefault(pid, cmdline(pid))

    def tails(self, n: int = 3000) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-n:]}" for p in sorted(self.logs.glob("*.log")))

    def stop(self) -> None:
        for proc in self.started.values():
            _signal_group(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.started.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(10)
        for pid in self.seen:  # a descendant that left the group (a run worker in a session of its own)
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _signal_group(pid: int, sig: int) -> None:
    try:
        os.killpg(pid, sig)
    except ProcessLookupError:
        pass


def children_map() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        ppid = int(text.rsplit(")", 1)[1].split()[1])
        out.setdefault(ppid, []).append(int(stat.parent.name))
    return out


def descendants(pid: int) -> list[int]:
    kids, found, todo = children_map(), [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""
