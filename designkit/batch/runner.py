"""The batch run: every step notebook executed headless, then the outputs assembled once.

The runner loads and checks the design once (bad input fails here, before any kernel starts)
and hands the result to every step as a file (the ``checked`` parameter), so no step reloads
or rechecks it. Design steps are independent of each other, so ``jobs`` worker threads
(default: the number of cores) take them from a queue, each on its own warm kernel (see
``kernels``). The kernels run headless (``HEADLESS_ENV`` in their environment): the step
notebooks build no widget form there, since nobody could use it. The report step runs last and is told which steps failed (``run.json``), so the
checklist it displays is the one written; the outputs (spec, checklist, report, findings and
artifacts) are rendered meanwhile, and written once, after every notebook ran.

A failing step does not stop the others: its executed notebook is kept, and its failure (a
``StepFailure``: step, cell, source, error) goes into the checklist. A watchdog kills the kernel
of a step that runs past its timeout. Ctrl-C or SIGTERM kills every kernel at once and starts no
further step; the run returns without waiting for the workers (exit code 130). The runner
prints nothing: it reports through ``RunEvents`` (the CLI draws them).
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..core.errors import UsageError
from ..core.files import write_text_atomic
from ..core.loader import load_design
from ..core.steps import CHART_STEP, HEADLESS_ENV, STEPS, Step, StepFailure, get_step
from ..outputs.assemble import preload as preload_outputs
from ..outputs.assemble import render_outputs
from ..outputs.checked import design_dump, save_checked
from .kernels import KernelPool, PoolClosed
from .progress import RunEvents

# What every step notebook imports (the step session and the check result it reads back): imported
# in each worker's kernel as it starts. Not the forms: the kernels run headless (HEADLESS_ENV), so
# the step notebooks build none.
STEP_IMPORTS = ("designkit.jupyter.notebook", "designkit.rules")


def notebooks_dir() -> Path:
    """Where the step notebooks are: $DESIGNKIT_NOTEBOOKS, the source tree, or the install."""
    candidates = [os.environ.get("DESIGNKIT_NOTEBOOKS"),
                  Path(__file__).resolve().parents[2] / "notebooks",
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
    failure: StepFailure | None = None

    def as_dict(self) -> dict:
        f = self.failure
        return {"step": self.step, "notebook": self.notebook, "status": self.status, "seconds": self.seconds,
                "cell": f.cell if f else None, "error": f.error if f else ""}


@dataclass
class RunSummary:
    design: Path
    output_dir: Path
    steps: list[StepRun] = field(default_factory=list)
    outputs: dict[str, Path] = field(default_factory=dict)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def failures(self) -> list[StepFailure]:
        return [s.failure for s in self.steps if s.failure is not None]

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        return 1 if self.failures else 0


def parameterized(path: Path, parameters: dict):
    """The notebook at ``path`` with Papermill's injected-parameters cell after its parameters cell.

    Papermill's own ``parameterize_notebook``: the step notebooks stay runnable by the
    ``papermill`` command line, and the injected cell is the one Papermill users know.
    """
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    # load_notebook_node adds the metadata (tags, papermill) parameterize_notebook expects
    return parameterize_notebook(load_notebook_node(str(path)), parameters, kernel_name="python3",
                                 language="python")


class Runner:
    """Runs the step notebooks of one design into one output folder."""

    def __init__(self, design_path: Path, output_dir: Path, *, jobs: int | None = None,
                 timeout: float = 600, steps: list[str] | None = None, notebooks: Path | None = None,
                 fresh_kernels: bool = False, events: RunEvents | None = None, baseline: str | None = None):
        self.design_path = Path(design_path).resolve()
        self.output_dir = Path(output_dir).resolve()
        self.jobs = jobs or os.cpu_count() or 1
        self.timeout = timeout
        self.notebooks = notebooks or notebooks_dir()
        chosen = [get_step(s.strip()) for s in steps] if steps else list(STEPS)
        self.design_steps = [s for s in chosen if s.id != "report"]
        self.report_step = next((s for s in chosen if s.id == "report"), None)
        self.fresh_kernels = fresh_kernels
        self.baseline = baseline      # an earlier design (path or git REV:PATH) the report compares with
        self.events = events or RunEvents()
        self.kernels: KernelPool | None = None
        self.interrupted = threading.Event()
        self._start_lock = threading.Lock()   # a step starts only while the run is not interrupted
        self._checked = ""

    # ------------------------------------------------------------------ one step

    def _parameters(self, step: Step) -> dict:
        params = {"design_path": str(self.design_path), "output_dir": str(self.output_dir),
                  "checked": self._checked}
        if step.id == "report":
            params["run_status"] = str(self.output_dir / "run.json")
        return params

    def run_step(self, step: Step, kernel) -> StepRun:
        """Execute one step notebook on ``kernel`` (a kernels.WarmKernel)."""
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        target = self.output_dir / "notebooks" / step.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        record = StepRun(step.id, str(target))
        timed_out = threading.Event()

        def on_timeout():
            timed_out.set()
            kernel.kill()

        def fail(status: str, ename: str, evalue: str, cell: int | None = None, source: str = "") -> None:
            record.status = status
            record.failure = StepFailure(step.id, str(target), cell, source, ename, evalue, status)

        watchdog = threading.Timer(self.timeout, on_timeout)
        watchdog.daemon = True
        started = time.perf_counter()
        try:
            nb = parameterized(self.notebooks / step.notebook, self._parameters(step))
            watchdog.start()
            error = kernel.execute(nb, target, timeout=self.timeout, on_cell=lambda: self.events.cell_done(step))
            if error is None:
                record.status = "ok"
            else:
                fail("failed", error.ename, error.evalue, error.index, error.source)
        except (DeadKernelError, CellTimeoutError, RuntimeError, PoolClosed) as exc:
            if self.interrupted.is_set():
                fail("interrupted", "Interrupted", "the run was interrupted")
            elif timed_out.is_set() or isinstance(exc, CellTimeoutError):
                fail("timeout", "Timeout", f"step {step.id} ran longer than {self.timeout:g} s; its kernel was stopped")
            else:
                fail("failed", type(exc).__name__, str(exc))
        except Exception as exc:  # a broken notebook file or a kernel that could not start
            fail("failed", type(exc).__name__, str(exc))
        finally:
            watchdog.cancel()
            record.seconds = round(time.perf_counter() - started, 2)
        if not self.interrupted.is_set():  # after Ctrl-C the run says one line, and only that
            self.events.step_finished(record)
        return record

    def _worker(self, todo: queue.Queue, done: queue.Queue) -> None:
        """Run steps from ``todo`` until a None arrives, keeping one kernel warm between them.

        The worker starts its kernel before the first step is queued (while the runner checks
        the design), with the step session's imports already done in it."""
        kernel = None
        try:
            kernel = self.kernels.new()
            try:
                kernel.start(self.output_dir / "notebooks", preload=STEP_IMPORTS)
            except PoolClosed:
                raise
            except Exception:  # the first step starts a kernel again and reports what fails
                kernel.retire()
                kernel = None
            while (step := todo.get()) is not None:
                if kernel is not None and self.fresh_kernels and kernel.steps:
                    kernel.retire()
                    kernel = None
                kernel = kernel or self.kernels.new()
                with self._start_lock:
                    if self.interrupted.is_set():
                        return
                    self.events.step_started(step)
                record = self.run_step(step, kernel)
                if record.status != "ok":  # never reuse a kernel after a failure
                    kernel.retire()
                    kernel = None
                done.put(record)
        except PoolClosed:
            return
        finally:
            if kernel is not None:
                kernel.retire()

    # ------------------------------------------------------------------ the run

    def run(self) -> RunSummary:
        started = time.perf_counter()
        document = load_design(self.design_path)  # bad input fails here, before any kernel starts
        baseline, baseline_label = (None, "")
        if self.baseline:                         # and so does a bad baseline
            from ..diff.source import load_side

            baseline, baseline_label = load_side(self.baseline)
        (self.output_dir / "notebooks").mkdir(parents=True, exist_ok=True)
        summary = RunSummary(self.design_path, self.output_dir)
        logging.getLogger("traitlets").setLevel(logging.ERROR)
        self.kernels = KernelPool(env={HEADLESS_ENV: "1"})
        previous = _install_sigterm()
        todo: queue.Queue = queue.Queue()
        done: queue.Queue = queue.Queue()
        workers = [threading.Thread(target=self._worker, args=(todo, done), daemon=True,
                                    name=f"designkit-worker-{i}")
                   for i in range(min(self.jobs, max(1, len(self.design_steps))))]
        self.events.run_started(self.design_steps + ([self.report_step] if self.report_step else []),
                                self.notebooks)
        for worker in workers:  # their kernels start while the design is checked
            worker.start()

        def collect(count: int) -> None:
            for _ in range(count):
                while True:  # short waits, so Ctrl-C is seen at once
                    try:
                        summary.steps.append(done.get(timeout=0.2))
                        break
                    except queue.Empty:
                        continue

        ended = False  # the steps ended, or were interrupted; not an error on the way
        rendered = None  # the outputs, rendered while the report notebook runs
        try:
            from ..rules import run_checks  # imported once the kernels are starting

            result = run_checks(document)
            self._checked = str(save_checked(document, result, self.kernels.folder / "checked.pickle"))
            design_dump(document, self._checked)  # for every step's result, before the steps start
            for step in sorted(self.design_steps, key=lambda s: s.id != CHART_STEP):  # the slowest first
                todo.put(step)
            # while the kernels start (the main process is idle until the end): Papermill's
            # parameterize (for the first step of each worker) and what the outputs import
            import papermill.parameterize  # noqa: F401
            preload_outputs()
            collect(len(self.design_steps))
            summary.steps.sort(key=lambda r: get_step(r.step).number)
            self._write_status(summary)
            if self.report_step is not None:  # last: it shows the checklist with the others' failures
                todo.put(self.report_step)
                rendered = self._render(document, result, summary.failures, baseline, baseline_label)
                collect(1)
            ended = True
        except KeyboardInterrupt:
            with self._start_lock:
                self.interrupted.set()
            summary.interrupted = True
            self.kernels.kill_all(close=True)
            self.events.interrupted()
            ended = True
        finally:
            for _ in workers:
                todo.put(None)
            if ended:  # every notebook is written: the kernels are stopped at once, not shut down
                self.kernels.kill_all()  # politely one by one (0.1 s each)
            deadline = time.monotonic() + (1 if self.interrupted.is_set() else 60)
            for worker in workers:
                worker.join(timeout=max(0.0, deadline - time.monotonic()))
            self.kernels.kill_all(close=True)  # no kernel outlives the run, whatever happened above
            self.events.close()
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, previous)
            if not ended:  # leaving with an error: the private folder goes now
                self.kernels.close()
        try:
            self._write_status(summary)
            if not summary.interrupted:
                if rendered is None or rendered.step_failures != summary.failures:  # the report failed
                    rendered = render_outputs(document, self.output_dir, result=result,
                                              step_failures=summary.failures, baseline=baseline,
                                              baseline_label=baseline_label, checked=self._checked)
                summary.outputs = rendered.write()
        finally:
            self.kernels.close()  # and the run's private folder with them
        summary.seconds = round(time.perf_counter() - started, 2)
        return summary

    def _render(self, document, result, failures: list[StepFailure], baseline, baseline_label):
        """The outputs as the run will write them if the report notebook succeeds (it runs
        meanwhile, on its own core); None when rendering fails here: it is done again, and its
        error raised, after the notebook. The report takes what the steps shared (``checked``)."""
        try:
            return render_outputs(document, self.output_dir, result=result, step_failures=failures,
                                  baseline=baseline, baseline_label=baseline_label, checked=self._checked)
        except Exception:
            return None

    def _write_status(self, summary: RunSummary) -> None:
        import json

        status = {"design": str(self.design_path), "interrupted": summary.interrupted,
                  "steps": [s.as_dict() for s in summary.steps],
                  "step_failures": [f.as_dict() for f in summary.failures]}
        write_text_atomic(self.output_dir / "run.json", json.dumps(status, indent=2))


def _install_sigterm():
    """Make SIGTERM behave like Ctrl-C so kernels are stopped on either."""
    def handler(signum, frame):
        raise KeyboardInterrupt
    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGTERM, handler)
    return signal.getsignal(signal.SIGTERM)


def run_design(design: str | Path, output_dir: str | Path, *, events: RunEvents | None = None,
               force: bool = False, **options) -> RunSummary:
    """Run the batch (see Runner for the options) and return what happened.

    The output folder is held for the run (a second run into it is refused), the design and
    files designkit did not write there are never overwritten (unless ``force``), and what the
    last run wrote is cleared first: see ``designkit.core.output_guard``.
    """
    from ..core.output_guard import run_outputs

    runner = Runner(Path(design), Path(output_dir), events=events, **options)
    with run_outputs(runner.output_dir, runner.design_path, force=force):
        return runner.run()
