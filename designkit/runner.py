"""The batch run: every step notebook executed headless with Papermill, from one process.

Design steps are independent of each other, so they run in parallel (one kernel each, up to
``jobs`` at once); the report step runs last and is told which steps failed. A failing step does
not stop the others: its executed notebook is kept, and its cell and error go into the checklist.
Each kernel is started by a kernel manager we own, so a step that runs past its timeout, or a
Ctrl-C, kills the kernel process instead of leaving it behind.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import UsageError
from .loader import load_design
from .steps import STEPS, Step, get_step

KERNEL_NAME = "python3"


def notebooks_dir() -> Path:
    """Where the step notebooks are: $DESIGNKIT_NOTEBOOKS, the source tree, or the install."""
    candidates = [os.environ.get("DESIGNKIT_NOTEBOOKS"),
                  Path(__file__).resolve().parent.parent / "notebooks",
                  Path(sys.prefix) / "share" / "designkit" / "notebooks"]
    for candidate in candidates:
        if candidate and (Path(candidate) / STEPS[0].notebook).is_file():
            return Path(candidate)
    raise UsageError("cannot find the step notebooks; set DESIGNKIT_NOTEBOOKS to the notebooks/ folder")


@dataclass
class StepRun:
    """How one step's notebook run ended."""

    step: str
    notebook: str
    status: str = "pending"          # ok | failed | timeout | interrupted
    seconds: float = 0.0
    cell: int | None = None          # index of the failing cell in the notebook
    error: str = ""

    def failure(self) -> dict:
        return {"step": self.step, "notebook": self.notebook, "status": self.status,
                "cell": self.cell, "error": self.error}


@dataclass
class RunSummary:
    design: Path
    output_dir: Path
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def failures(self) -> list[StepRun]:
        return [s for s in self.steps if s.status != "ok"]

    @property
    def exit_code(self) -> int:
        if any(s.status == "interrupted" for s in self.steps):
            return 130
        return 1 if self.failures else 0


class _Progress:
    """A bar per step on a terminal; one plain line per event otherwise."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()

    def bar(self, step: Step, position: int):
        if not self.tty:
            return False
        return {"desc": f"{step.number:02d} {step.id:<13}", "position": position, "leave": True,
                "file": self.stream, "unit": "cell"}

    def line(self, text: str) -> None:
        if not self.tty:
            with self.lock:
                print(text, file=self.stream, flush=True)


class _Kernels:
    """The kernel processes of a run, so they can be killed on timeout or interrupt."""

    def __init__(self):
        self.lock = threading.Lock()
        self.managers: set = set()

    def add(self, km) -> None:
        with self.lock:
            self.managers.add(km)

    def discard(self, km) -> None:
        with self.lock:
            self.managers.discard(km)

    @staticmethod
    def kill(km) -> None:
        process = getattr(getattr(km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.kill()

    def kill_all(self) -> None:
        with self.lock:
            for km in list(self.managers):
                self.kill(km)


class Runner:
    """Runs the step notebooks of one design into one output folder."""

    def __init__(self, design_path: Path, output_dir: Path, *, jobs: int | None = None,
                 timeout: float = 600, steps: list[str] | None = None, notebooks: Path | None = None,
                 stream=None):
        self.design_path = design_path.resolve()
        self.output_dir = output_dir.resolve()
        self.jobs = jobs or os.cpu_count() or 1
        self.timeout = timeout
        self.notebooks = notebooks or notebooks_dir()
        chosen = [get_step(s.strip()) for s in steps] if steps else list(STEPS)
        self.design_steps = [s for s in chosen if s.id != "report"]
        self.report_step = next((s for s in chosen if s.id == "report"), None)
        self.progress = _Progress(stream)
        self.kernels = _Kernels()
        self.interrupted = threading.Event()
        self.sockets = Path(tempfile.mkdtemp(prefix="designkit-"))  # kernels' sockets; removed after the run

    # ------------------------------------------------------------------ one step

    def _parameters(self, step: Step) -> dict:
        params = {"design_path": str(self.design_path), "output_dir": str(self.output_dir)}
        if step.id == "report":
            params["run_status"] = str(self.output_dir / "run.json")
        return params

    def _kernel_manager_class(self, step: Step, started: list):
        """A kernel manager class for one step: nbclient owns and cleans up the kernel; we keep a
        handle on it so a timeout or Ctrl-C can kill its process."""
        from jupyter_client.manager import AsyncKernelManager

        kernels, sockets = self.kernels, str(self.sockets / step.id)

        class StepKernelManager(AsyncKernelManager):
            def __init__(self, **kwargs):
                # Unix sockets, not TCP: local only, no ports to collide. Their path must be
                # absolute, since the kernel runs in another folder than this process.
                super().__init__(transport="ipc", ip=sockets, **kwargs)
                kernels.add(self)
                started.append(self)

        return StepKernelManager

    def run_step(self, step: Step, position: int) -> StepRun:
        import papermill as pm
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        source = self.notebooks / step.notebook
        target = self.output_dir / "notebooks" / step.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        record = StepRun(step.id, str(target))
        managers: list = []
        timed_out = threading.Event()

        def on_timeout():
            timed_out.set()
            for km in managers:
                self.kernels.kill(km)

        watchdog = threading.Timer(self.timeout, on_timeout)
        watchdog.daemon = True
        started = time.perf_counter()
        self.progress.line(f"{step.notebook}: started")
        try:
            watchdog.start()
            pm.execute_notebook(
                str(source), str(target), parameters=self._parameters(step), kernel_name=KERNEL_NAME,
                progress_bar=self.progress.bar(step, position),
                kernel_manager_class=self._kernel_manager_class(step, managers),
                # the kernel's working folder; papermill's own cwd= would chdir this whole process
                resources={"metadata": {"path": str(target.parent)}},
                execution_timeout=self.timeout, start_timeout=120,
            )
            record.status = "ok"
        except pm.PapermillExecutionError as exc:
            record.status = "failed"
            record.error = f"{exc.ename}: {exc.evalue}".strip()
        except (DeadKernelError, CellTimeoutError, RuntimeError) as exc:
            if self.interrupted.is_set():
                record.status, record.error = "interrupted", "the run was interrupted"
            elif timed_out.is_set() or isinstance(exc, CellTimeoutError):
                record.status = "timeout"
                record.error = f"step {step.id} ran longer than {self.timeout:g} s; its kernel was stopped"
            else:
                record.status, record.error = "failed", f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # a broken notebook file or a kernel that could not start
            record.status, record.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            watchdog.cancel()
            record.seconds = round(time.perf_counter() - started, 2)
            for km in managers:  # nbclient shut it down; make sure the process is gone
                self.kernels.kill(km)
                self.kernels.discard(km)
        if record.status != "ok":
            # the index in the saved notebook, which is what a reviewer opens (papermill adds
            # an injected-parameters cell and an error banner, so its own index is off by two)
            record.cell = _failed_cell(target)
        self.progress.line(f"{step.notebook}: {record.status} ({record.seconds:.1f} s)"
                           + (f": {record.error}" if record.error else ""))
        return record

    # ------------------------------------------------------------------ the run

    def run(self) -> RunSummary:
        document = load_design(self.design_path)  # bad input fails here, before any kernel starts
        self.output_dir.mkdir(parents=True, exist_ok=True)
        summary = RunSummary(self.design_path, self.output_dir)
        started = time.perf_counter()
        logging.getLogger("papermill").setLevel(logging.ERROR)
        previous = _install_sigterm()
        pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="designkit-step")
        try:
            futures = {pool.submit(self.run_step, step, i): step
                       for i, step in enumerate(self.design_steps)}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                summary.steps.extend(f.result() for f in done)
            summary.steps.sort(key=lambda r: get_step(r.step).number)
            self._write_status(summary)
            if self.report_step is not None:
                summary.steps.append(self.run_step(self.report_step, len(self.design_steps)))
                self._write_status(summary)
        except KeyboardInterrupt:
            self.interrupted.set()
            self.kernels.kill_all()
            pool.shutdown(wait=True, cancel_futures=True)
            summary.steps.append(StepRun("run", "", "interrupted", error="interrupted by the user"))
            summary.seconds = round(time.perf_counter() - started, 2)
            self.progress.line("interrupted: every kernel was stopped")
            return summary
        finally:
            pool.shutdown(wait=True)
            shutil.rmtree(self.sockets, ignore_errors=True)
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, previous)
        report_ok = any(s.step == "report" and s.status == "ok" for s in summary.steps)
        if not report_ok or summary.failures:
            # The report notebook did not run, or ran before a failure we must show: write the
            # outputs here so the checklist always names every failed step.
            from .assemble import write_outputs

            summary.outputs = write_outputs(document, self.output_dir,
                                            step_failures=[s.failure() for s in summary.failures])
        else:
            summary.outputs = {p.stem: p for p in (self.output_dir / n for n in
                               ("spec.yaml", "checklist.md", "report.html")) if p.exists()}
        summary.seconds = round(time.perf_counter() - started, 2)
        return summary

    def _write_status(self, summary: RunSummary) -> None:
        status = {"design": str(self.design_path), "steps": [asdict(s) for s in summary.steps],
                  "step_failures": [s.failure() for s in summary.failures]}
        (self.output_dir / "run.json").write_text(json.dumps(status, indent=2), encoding="utf-8")


def _failed_cell(notebook: Path) -> int | None:
    """Index of the first cell with an error output in an executed notebook, if any."""
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for index, cell in enumerate(cells):
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return index
    return None


def _install_sigterm():
    """Make SIGTERM behave like Ctrl-C so kernels are stopped on either."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGTERM, handler)
    return signal.getsignal(signal.SIGTERM)


def run_design(design: str | Path, output_dir: str | Path, *, jobs: int | None = None,
               timeout: float = 600, steps: list[str] | None = None, stream=None) -> RunSummary:
    """Run the batch and print where the outputs are; see Runner."""
    runner = Runner(Path(design), Path(output_dir), jobs=jobs, timeout=timeout, steps=steps, stream=stream)
    summary = runner.run()
    out = stream or sys.stderr
    ok = sum(s.status == "ok" for s in summary.steps)
    print(f"{ok}/{len(summary.steps)} steps ran in {summary.seconds:.1f} s; outputs in {summary.output_dir}",
          file=out)
    for failed in summary.failures:
        where = f" (cell {failed.cell})" if failed.cell is not None else ""
        print(f"  {failed.step}: {failed.status}{where}: {failed.error}", file=out)
    for name in ("spec", "checklist", "report"):
        if name in summary.outputs:
            print(f"  {name}: {summary.outputs[name]}", file=out)
    return summary
