"""Benchmark the batch run against what a user would do instead, side by side in one run.

    .venv/bin/python bench/bench_run.py [--repeat 3] [--large 1000] [--quick]

Measures, on the bundled example (wall time, best of --repeat, and peak memory of the whole
process tree, kernels included, sampled from /proc every 50 ms):

- `designkit run` (default jobs = cores) ..................... the thing we ship
- a shell loop of the Papermill command line over the same notebooks ... the obvious alternative
- the floor: the same number of one-cell notebooks, each in a fresh kernel, run with the same
  parallelism through Papermill's Python API (what starting the kernels costs); and, for
  comparison, the same one-cell notebooks through `designkit run` itself
- `designkit run --fresh-kernels` (a new kernel for every step, no reuse)
- `designkit check --help` and `designkit check` on the example
- growth: `designkit run` with 1, 4 and 11 steps, and on a generated 1,000-endpoint design

and prints the ratios. ``--quick`` measures only `designkit run` and the two floors, alternating
them run by run (so a busy machine slows each alike), and reports the CPU time (user + system) of
each whole process tree too. Results are written to bench/results/run-<date>.txt (or --results).
``--record`` and ``--compare`` (the regression guard, ``bench/guard.py``) run ``--quick`` and keep
or judge the run's wall and CPU time, its peak memory, and its ratio to the stricter floor.
"""

from __future__ import annotations

import argparse
import ctypes
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "webhook-ingestion" / "design.yaml"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import guard  # noqa: E402

from designkit.core.steps import STEPS  # noqa: E402


def _tree_rss(root: int) -> int:
    """Resident memory (bytes) of `root` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            parents[int(proc.name)] = int(fields[1])
            rss[int(proc.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    family, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in family:
                family.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in family)


def become_subreaper() -> None:
    """Adopt the command's orphans (kernels a run kills without waiting for them), so that their
    CPU time is counted in this process's RUSAGE_CHILDREN once they are reaped (Linux only)."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER


def _reap_orphans(deadline: float = 30.0) -> None:
    """Wait for every adopted orphan (a kernel being killed as the run ended)."""
    until = time.monotonic() + deadline
    while time.monotonic() < until:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            time.sleep(0.01)


def _cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(command: list[str] | str, *, env=None, shell=False) -> tuple[float, int, int, float]:
    """(wall seconds, peak tree RSS bytes, exit code, CPU seconds of the whole tree) of one command.

    The CPU time (user + system) counts every process of the tree, kernels included: they are
    reaped by their parent or, once orphaned, by this process (see ``become_subreaper``)."""
    peak = 0
    cpu_before = _cpu_of_children()
    started = time.perf_counter()
    proc = subprocess.Popen(command, shell=shell, env=env, cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stop = threading.Event()

    def sample():
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = proc.wait()
    wall = time.perf_counter() - started
    stop.set()
    sampler.join()
    _reap_orphans()
    return wall, peak, code, _cpu_of_children() - cpu_before


def best(n: int, command, **kw) -> tuple[float, int]:
    runs = [measure(command, **kw) for _ in range(n)]
    for _, _, code, _ in runs:
        if code not in (0, 1):
            raise SystemExit(f"command failed ({code}): {command}")
    return min(r[0] for r in runs), max(r[1] for r in runs)


def floor_notebooks(folder: Path) -> Path:
    """One-cell notebooks (plus a parameters cell) named like the step notebooks."""
    folder.mkdir(parents=True, exist_ok=True)
    for step in STEPS:
        params = nbformat.v4.new_code_cell('design_path = ""\noutput_dir = ""\nrun_status = ""')
        params.metadata["tags"] = ["parameters"]
        nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell("1 + 1")])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / step.notebook)
    return folder


def main() -> int | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--large", type=int, default=1000, help="endpoints in the generated design")
    parser.add_argument("--quick", action="store_true", help="designkit run and the floors only, interleaved")
    parser.add_argument("--before", type=Path, default=None,
                        help="with --quick: also run designkit from this copy of an earlier tree (PYTHONPATH)")
    parser.add_argument("--results", type=Path, default=None,
                        help="file to write the results to (default: bench/results/run-<date>.txt)")
    guard.add_options(parser, "run")
    args = parser.parse_args()
    old = guard.recorded("run") if args.compare else None
    if args.compare and old is None:
        return 2
    if args.record or args.compare:
        args.quick = True              # the guarded figures are --quick's
    if args.compare and args.results is None:   # a check against the record keeps no day's file
        args.results = Path(tempfile.gettempdir()) / "designkit-bench-run-compare.txt"
    become_subreaper()
    work = Path(tempfile.mkdtemp(prefix="designkit-bench-"))
    designkit = [str(BIN / "designkit")]
    lines = [f"# designkit run benchmark, {dt.datetime.now():%Y-%m-%d %H:%M}, {os.cpu_count()} cores, "
             f"best of {args.repeat}", f"# command: {' '.join([sys.executable] + sys.argv)}"]

    def report(label: str, wall: float, peak: int, cpu: float | None = None) -> None:
        used = f"   cpu {cpu:6.2f} s" if cpu is not None else ""
        line = f"{label:<52} {wall:7.2f} s{used}   peak {peak / 2**20:7.0f} MiB"
        print(line, flush=True)
        lines.append(line)

    floor_dir = floor_notebooks(work / "floor-nb")
    jobs = os.cpu_count() or 1
    floor_command = [sys.executable, "-c", floor_script(floor_dir, work / "floor", jobs)]
    same_env = dict(os.environ, DESIGNKIT_NOTEBOOKS=str(floor_dir))
    if args.quick:
        rows = quick(args.repeat, designkit, work, floor_command, same_env, jobs, report, lines, args.before,
                     args.results)
        return guard.finish(args, "run", rows, runs=args.repeat, old=old)

    run_wall, run_peak = best(args.repeat, designkit + ["run", str(EXAMPLE), "-o", str(work / "run")])
    report("designkit run (example, 11 steps)", run_wall, run_peak)

    loop = " && ".join(
        f"{BIN / 'papermill'} --no-progress-bar notebooks/{s.notebook} {work / 'loop' / s.notebook} "
        f"-p design_path {EXAMPLE} -p output_dir {work / 'loop'}" for s in STEPS)
    (work / "loop").mkdir()
    loop_wall, loop_peak = best(args.repeat, loop, shell=True)
    report("shell loop of the papermill CLI (11 notebooks)", loop_wall, loop_peak)

    floor_wall, floor_peak = best(args.repeat, floor_command)
    report(f"floor: 11 one-cell notebooks, fresh kernels, {jobs} at once", floor_wall, floor_peak)

    same_wall, same_peak = best(args.repeat, designkit + ["run", str(EXAMPLE), "-o", str(work / "floor2")],
                                env=same_env)
    report("11 one-cell notebooks through designkit run", same_wall, same_peak)

    fresh_wall, fresh_peak = best(args.repeat, designkit + ["run", str(EXAMPLE), "-o", str(work / "fresh"),
                                                            "--fresh-kernels"])
    report("designkit run --fresh-kernels (a kernel per step)", fresh_wall, fresh_peak)

    help_wall, _ = best(args.repeat * 3, designkit + ["check", "--help"])
    report("designkit check --help", help_wall, 0)
    check_wall, check_peak = best(args.repeat * 3, designkit + ["check", str(EXAMPLE), "--fail-on", "never"])
    report("designkit check (example)", check_wall, check_peak)

    for steps in ("scope", "scope,data_model,api,report"):
        wall, peak = best(args.repeat, designkit + ["run", str(EXAMPLE), "-o", str(work / "s"), "--steps", steps])
        report(f"designkit run --steps {steps}", wall, peak)

    sys.path.insert(0, str(ROOT / "bench"))
    import yaml
    from gen_design import generate_design  # the rules benchmark's generator

    large = work / "large.yaml"
    large.write_text(yaml.safe_dump(generate_design(args.large), sort_keys=False))
    wall, peak = best(args.repeat, designkit + ["run", str(large), "-o", str(work / "large")])
    report(f"designkit run ({args.large} endpoints)", wall, peak)

    ratios = [f"ratio run / papermill loop:             {run_wall / loop_wall:.2f} (target <= 0.35)",
              f"ratio run / floor (fresh kernels):      {run_wall / floor_wall:.2f} (target <= 1.2)",
              f"ratio run / one-cell notebooks, same runner: {run_wall / same_wall:.2f}"]
    save(lines, ratios, work, args.results)


def save(lines: list[str], ratios: list[str], work: Path, target: Path | None = None) -> None:
    """Print the ratios, and write every line to ``target`` (bench/results/run-<date>.txt)."""
    for line in ratios:
        print(line)
    lines += ratios
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    target = (target or results / f"run-{dt.date.today():%Y%m%d}.txt").resolve()
    target.write_text("\n".join(lines) + "\n")
    print(f"wrote {target}")
    shutil.rmtree(work, ignore_errors=True)


def floor_script(notebooks: Path, out: Path, jobs: int) -> str:
    """The floor: the one-cell notebooks, each in its own fresh kernel (what starting the kernels
    costs), run with the same parallelism through Papermill's Python API."""
    return ("import sys, glob, os, concurrent.futures as cf, papermill as pm\n"
            f"nbs = sorted(glob.glob({str(notebooks)!r} + '/*.ipynb'))\n"
            f"out = {str(out)!r}; os.makedirs(out, exist_ok=True)\n"
            f"with cf.ThreadPoolExecutor({jobs}) as pool:\n"
            "    list(pool.map(lambda nb: pm.execute_notebook(nb, os.path.join(out, os.path.basename(nb)),"
            " progress_bar=False, kernel_name='python3'), nbs))\n")


def quick(repeat: int, designkit: list[str], work: Path, floor_command: list[str], same_env: dict,
          jobs: int, report, lines: list[str], before: Path | None, target: Path | None) -> dict[str, dict]:
    """`designkit run` against the floors, interleaved run by run; best of ``repeat`` each (wall
    and CPU time of the whole process tree, kernels included). Returns the guard's rows: the run,
    the stricter floor, and the run's ratio to it (the figure a busy machine moves least)."""
    run_before = designkit + ["run", str(EXAMPLE), "-o", str(work / "before")]
    commands = {
        "designkit run (example, 11 steps)": (designkit + ["run", str(EXAMPLE), "-o", str(work / "run")], None),
        f"floor: 11 one-cell notebooks, fresh kernels, {jobs} at once": (floor_command, None),
        # the same, without the import designkit run also skips (the rfc3987-syntax grammar that
        # jsonschema builds when imported through nbformat: 1 to 4 s here)
        "floor, without the rfc3987-syntax import": (
            floor_command[:2] + ["import sys; sys.modules['rfc3987_syntax'] = None\n" + floor_command[2]], None),
        "11 one-cell notebooks through designkit run": (
            designkit + ["run", str(EXAMPLE), "-o", str(work / "floor2")], same_env),
    }
    if before is not None:  # kernels inherit PYTHONPATH, so they import the earlier tree too
        commands[f"designkit run from {before}"] = (run_before, dict(os.environ, PYTHONPATH=str(before.resolve())))
    runs: dict[str, list] = {label: [] for label in commands}
    for _ in range(repeat):
        for label, (command, env) in commands.items():
            wall, peak, code, cpu = measure(command, env=env)
            if code != 0:  # a run with a failed step is not the run being measured
                raise SystemExit(f"command failed ({code}): {command}")
            runs[label].append((wall, peak, cpu))
    walls, cpus, peaks = {}, {}, {}
    for label, measured in runs.items():
        walls[label] = min(w for w, _, _ in measured)
        cpus[label] = min(c for _, _, c in measured)
        peaks[label] = max(p for _, p, _ in measured)
        report(label, walls[label], peaks[label], cpus[label])
    run_wall, floor_wall, strict_wall, same_wall, *before_wall = walls.values()
    run_cpu, floor_cpu, strict_cpu, same_cpu, *before_cpu = cpus.values()
    ratios = [*(f"ratio earlier tree's run / floor: {w / floor_wall:.2f}; / floor without rfc3987-syntax: "
                f"{w / strict_wall:.2f} (cpu: {c / strict_cpu:.2f})" for w, c in zip(before_wall, before_cpu, strict=True)),
              f"ratio run / floor (fresh kernels):      {run_wall / floor_wall:.2f} (target <= 1.2; "
              f"cpu: {run_cpu / floor_cpu:.2f})",
              f"ratio run / floor without rfc3987-syntax: {run_wall / strict_wall:.2f} (cpu: {run_cpu / strict_cpu:.2f})",
              f"ratio run / one-cell notebooks, same runner: {run_wall / same_wall:.2f} (cpu: {run_cpu / same_cpu:.2f})",
              f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}"]
    save(lines, ratios, work, target)
    run_label, _, strict_label, *_ = commands
    return {"run": {"wall_s": round(run_wall, 3), "cpu_s": round(run_cpu, 3),
                    "peak_mib": round(peaks[run_label] / 2**20, 1)},
            "stricter floor": {"wall_s": round(strict_wall, 3), "cpu_s": round(strict_cpu, 3),
                               "peak_mib": round(peaks[strict_label] / 2**20, 1)},
            "run / stricter floor": {"wall_s": round(run_wall / strict_wall, 3),
                                     "cpu_s": round(run_cpu / strict_cpu, 3)}}

if __name__ == "__main__":
    sys.exit(main())
