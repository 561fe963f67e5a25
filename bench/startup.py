"""Start-up benchmark: wall and CPU seconds of ``faceright assess cases/zhang-v-template-app.yaml``.

Each run is a fresh subprocess entering the command as the ``faceright`` console script does
(``faceright.cli:run``), with ``--format json`` and standard output discarded. Three modes:

- cold:     an empty rulebook cache for every run (load, validate, compile, write the cache);
- warm:     a cache written by one untimed run first (the usual case);
- nocache:  ``FACERIGHT_NO_CACHE=1``.

Prints, per mode, the median wall seconds and the median CPU seconds (user + system, from the
child's resource usage — steadier than wall time on a busy machine); the last line holds
key=value figures. Every run must exit 0 and all modes must print the same bytes.

Usage: python -m bench.startup [--runs 10] [--case cases/zhang-v-template-app.yaml]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACERIGHT = [sys.executable, "-c", "from faceright.cli import run; run()"]
CASE = "cases/zhang-v-template-app.yaml"
MODES = ("cold", "warm", "nocache")


def _once(case: str, env: dict[str, str]) -> tuple[float, float, str]:
    """One run: (wall seconds, CPU seconds, SHA-256 of its output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([*FACERIGHT, "assess", case, "--format", "json"], cwd=ROOT, env=env,
                          capture_output=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"faceright exited {done.returncode}: {done.stderr.decode()[-500:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, hashlib.sha256(done.stdout).hexdigest()


def startup(mode: str = "warm", runs: int = 10, case: str = CASE) -> dict[str, float | str]:
    """Median wall and CPU seconds of ``runs`` start-ups of ``faceright assess CASE`` in
    ``mode`` (one of :data:`MODES`), with the output's hash:
    ``{"wall": 0.41, "cpu": 0.38, "output": "ab12…"}``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACERIGHT_")}
    walls: list[float] = []
    cpus: list[float] = []
    outputs: set[str] = set()
    with tempfile.TemporaryDirectory(prefix="faceright-startup-") as tmp:
        if mode == "nocache":
            env["FACERIGHT_NO_CACHE"] = "1"
        elif mode == "warm":
            env["FACERIGHT_CACHE_DIR"] = str(Path(tmp) / "warm")
            _once(case, env)
        elif mode != "cold":
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        for i in range(runs):
            if mode == "cold":
                env["FACERIGHT_CACHE_DIR"] = str(Path(tmp) / f"cold-{i}")
            wall, cpu, output = _once(case, env)
            walls.append(wall)
            cpus.append(cpu)
            outputs.add(output)
    if len(outputs) != 1:
        raise RuntimeError(f"{mode}: runs printed different output")
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "output": outputs.pop()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per mode (default 10)")
    parser.add_argument("--case", default=CASE, help=f"case file (default {CASE})")
    parser.add_argument("--modes", default=",".join(MODES), help="comma-separated modes")
    args = parser.parse_args()
    figures: dict[str, dict[str, float | str]] = {}
    for mode in args.modes.split(","):
        figures[mode] = startup(mode, args.runs, args.case)
        print(f"{mode:8} median wall {figures[mode]['wall']:.3f} s, "
              f"median CPU {figures[mode]['cpu']:.3f} s ({args.runs} runs)", flush=True)
    if len({f["output"] for f in figures.values()}) != 1:
        print("error: the modes printed different output", file=sys.stderr)
        return 1
    print(" ".join(f"{mode}_wall={f['wall']:.3f} {mode}_cpu={f['cpu']:.3f}"
                   for mode, f in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
