"""How the benchmarks measure, in one place.

- Memory is the measured process's own peak resident size: `VmHWM` from /proc/self/status, read
  inside the process that did the work (a forked child's `ru_maxrss` would include its parent's
  size at the fork). `reset_peak()` starts a new peak where the kernel allows it (Linux 4.0+).
- Time is wall time beside CPU time (`time.process_time`, this process only). On a shared, busy
  machine wall time grows with the others' load while CPU time barely moves: compare CPU times.
- A floor and the app's way are run alternately, each run a fresh process (`alternated`), so a
  busy machine slows both alike.
"""

import statistics
import subprocess
import time
from pathlib import Path


def peak_mb():
    """This process's peak resident memory (VmHWM) in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def current_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def reset_peak():
    """Start a new VmHWM from the current size (writing 5 to clear_refs; Linux 4.0+)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class Timed:
    """`with Timed() as t:` … then t.wall and t.cpu in seconds."""

    def __enter__(self):
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def median_ms(samples):
    return statistics.median(samples) * 1000


def p95_ms(samples):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] * 1000


def verdict(value, target):
    return "met" if value < target else "NOT met"


def alternated(commands, runs):
    """Run every command (mode → argv) in turn, `runs` rounds, each run a fresh process that prints
    its wall seconds, CPU seconds, peak MB and MB before the run (and any figures after those).
    Returns {mode: [[figures of a run], …]}."""
    results = {mode: [] for mode in commands}
    for _ in range(runs):
        for mode, argv in commands.items():
            out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout.split()
            results[mode].append([float(value) for value in out])
    return results


def summary(results):
    """(wall, cpu, peak, growth) per mode: medians of wall and CPU time, the highest peak, and the
    most the peak rose above the process's size before the run (the run's own memory)."""
    wall = {mode: statistics.median(run[0] for run in runs) for mode, runs in results.items()}
    cpu = {mode: statistics.median(run[1] for run in runs) for mode, runs in results.items()}
    peak = {mode: max(run[2] for run in runs) for mode, runs in results.items()}
    growth = {mode: max(run[2] - run[3] for run in runs) for mode, runs in results.items()}
    return wall, cpu, peak, growth
