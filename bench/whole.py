"""What a user waits for: whole `make run` processes, timed from outside as a user runs them.

Each repetition is the command a user types (`make -s run`, with SOURCE=/PARTITIONS= where a target
names them) in its own process, so its wall time covers starting Python, importing, loading the
definitions, Dagster's runs, the publication, the report and the summary; CPU (user + system) and
peak RSS are the operating system's accounting of make and what it waited for (os.wait4). The
national FEVS year runs pair by pair with the pandas baseline (A B A B ...), after a warm-up of
each, so the ratio is taken in the same moment of a shared machine; the figures reported are
medians, beside every repetition's own.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REPS = int(os.environ.get("BENCH_REPS", "3"))  # counted repetitions of each whole-process measurement
WHOLE_REPS = int(os.environ.get("BENCH_WHOLE_REPS", "1"))  # of the whole national run (a minute or more each)


def timed(label: str, argv: list[str], env: dict) -> dict:
    """One whole process: wall, CPU and peak RSS (the largest process it waited for), its last JSON line.
    Its output goes to files, not pipes, so a long output cannot stall it while it is waited for."""
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
        out.seek(0), err.seek(0)
        text, errors = out.read(), err.read()
    if status != 0:
        raise RuntimeError(f"{label} failed ({' '.join(argv)}):\n{(errors or text)[-3000:]}")
    r = {"stage": label, "wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
         "peak_rss_mb": round(usage.ru_maxrss / 1024)}
    lines = [line for line in text.splitlines() if line.startswith("{")]
    if lines:
        r.update(json.loads(lines[-1]))
    print(f"    {label:<58} {r['wall_s']:>7.2f} s wall {r['cpu_s']:>7.2f} s cpu {r['peak_rss_mb']:>6} MB", flush=True)
    return r


def make_run(*args: str) -> list[str]:
    return ["make", "-s", "-C", str(REPO), "run", *args]


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def series(label: str, runs: list[dict]) -> dict:
    """Every repetition's figures and their medians."""
    walls = [r["wall_s"] for r in runs]
    out = {"stage": label, "runs_wall_s": walls, "runs_cpu_s": [r["cpu_s"] for r in runs],
           "runs_peak_rss_mb": [r["peak_rss_mb"] for r in runs], "wall_s": median(walls),
           "cpu_s": median([r["cpu_s"] for r in runs]), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
    print(f"  {label}: runs {', '.join(f'{w:.1f}' for w in walls)} s; median {out['wall_s']:.1f} s "
          f"(CPU {out['cpu_s']:.1f} s, peak {out['peak_rss_mb']} MB)", flush=True)
    return out


def sample_env(base: dict, root: Path) -> dict:
    return {**base, "CXEX_DATA_DIR": str(root), "DAGSTER_HOME": str(root / "dagster_home"), "CXEX_USE_SAMPLE": "auto"}


def embedded_default(base: dict, out: Path) -> dict:
    """`make run` on the embedded default: a user's first run after setup (a new data directory each
    time, the sample generated on the way), then re-runs over a data directory that has run before."""
    root = out / "sample_run"
    first = []
    for i in range(REPS):
        shutil.rmtree(root, ignore_errors=True)
        first.append(timed(f"make run, embedded default, new data directory ({i + 1}/{REPS})", make_run(),
                           sample_env(base, root)))
    again = [timed(f"make run, embedded default, re-run ({i + 1}/{REPS})", make_run(), sample_env(base, root))
             for i in range(REPS)]
    return {"first": series("make run on the embedded default, new data directory", first),
            "rerun": series("make run on the embedded default, data directory that has run before", again)}


def national_year(base: dict, national: dict, small_root: Path, baseline_code: str, year: int) -> dict:
    """`make run SOURCE=fevs PARTITIONS=<year>` on the national data, the pandas baseline on the same CSV,
    and the same command on the embedded default (its own data directory: the sample's small year), in
    turn, repetition by repetition, after a warm-up of each: what the national year adds to a `make
    run` is the first less the third, over the second."""
    args = ("SOURCE=fevs", f"PARTITIONS={year}")
    commands = [(f"make run SOURCE=fevs PARTITIONS={year}, national year", make_run(*args), national),
                ("pandas baseline, same CSV", [sys.executable, "-c", baseline_code], base),
                (f"make run SOURCE=fevs PARTITIONS={year}, embedded default", make_run(*args), sample_env(base, small_root))]
    shutil.rmtree(small_root, ignore_errors=True)
    print("    (warm-up, not counted: one of each)", flush=True)
    for label, argv, env in commands:
        timed(f"warm-up: {label}", argv, env)
    runs: list[list[dict]] = [[], [], []]
    for i in range(REPS):
        for (label, argv, env), out in zip(commands, runs):
            out.append(timed(f"{label} ({i + 1}/{REPS})", argv, env))
    big, pandas, small = runs
    ratios = [round(a["wall_s"] / b["wall_s"], 3) for a, b in zip(big, pandas)]
    added = [round((a["wall_s"] - c["wall_s"]) / b["wall_s"], 3) for a, b, c in zip(big, pandas, small)]
    peaks = [round(a["peak_rss_mb"] / b["peak_rss_mb"], 3) for a, b in zip(big, pandas)]
    print(f"  repetition by repetition: make run / pandas {', '.join(map(str, ratios))} (median {median(ratios)}); "
          f"added by the national year / pandas {', '.join(map(str, added))} (median {median(added)}); "
          f"peak / pandas's {', '.join(map(str, peaks))}", flush=True)
    return {"national": series(commands[0][0], big), "baseline": series("pandas baseline from CSV", pandas),
            "small": series(commands[2][0], small), "pair_ratios": ratios, "added_ratios": added,
            "pair_peak_ratios": peaks, "baseline_eei": pandas[-1].get("governmentwide_eei")}


def only_landed(data: Path, *also: Path) -> None:
    """The national data directory as landed: what earlier runs derived from it (and their Dagster
    instance) removed, so every `make bench` times the same runs from the same state."""
    derived = [p for p in data.iterdir() if p.name != "landing"] if data.exists() else []
    for path in [*derived, *also]:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def whole_national(base: dict, national: dict) -> dict:
    runs = [timed(f"make run, all sources, national data ({i + 1}/{WHOLE_REPS})", make_run(), national)
            for i in range(WHOLE_REPS)]
    return series("make run, all sources, national data", runs)
