"""The batch run: every step notebook executed headless with Papermill, from one process.

Design steps are independent of each other, so ``jobs`` worker threads (default: the number of
cores) take them from a queue; the report step runs last and is told which steps failed. Each
worker keeps its kernel warm between steps: imports (pandas, pydantic, the rules) are paid once
per worker instead of once per step, and the namespace is reset before the next step. A kernel
is never reused after a step that failed, timed out or was interrupted; ``fresh_kernels`` starts
a new kernel for every step. A failing step does not stop the others: its executed notebook is
kept, and its cell and error go into the checklist. A watchdog kills the kernel of a step that
runs past its timeout, and Ctrl-C or SIGTERM kills every kernel, so no process outlives the run.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..core.errors import UsageError
from ..core.loader import load_design
from ..core.steps import STEPS, Step, get_step

KERNEL_NAME = "python3"


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
    """A bar per step on a terminal; one plain line per event otherwise.

    The bars are all made up front, in step order, by the main thread, and advanced from
    nbclient's per-cell hook: bars created by worker threads as they start would redraw over
    each other.
    """

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()
        self.bars: dict[str, object] = {}

    def start(self, steps: list[Step], notebooks: Path) -> None:
        if not self.tty:
            return
        from tqdm import tqdm

        width = shutil.get_terminal_size(fallback=(100, 24)).columns  # 0-sized ptys get 100
        for position, step in enumerate(steps):
            # code cells plus the parameters cell papermill injects
            cells = sum(c.get("cell_type") == "code" for c in
                        json.loads((notebooks / step.notebook).read_text(encoding="utf-8"))["cells"]) + 1
            self.bars[step.id] = tqdm(total=cells, desc=f"{step.number:02d} {step.id:<13}", unit="cell",
                                      position=position, leave=True, file=self.stream, ncols=width,
                                      bar_format="{desc} {bar} {n_fmt}/{total_fmt}{postfix}")

    def cell_done(self, step: Step) -> None:
        bar = self.bars.get(step.id)
        if bar is not None:
            bar.update(1)

    def step_done(self, record: StepRun) -> None:
        bar = self.bars.get(record.step)
        if bar is not None:
            if record.status == "ok":
                bar.n = bar.total
            status = record.status if record.status == "ok" else record.status.upper()
            bar.set_postfix_str(f"{status} {record.seconds:.1f} s")
        else:
            self.line(f"{Path(record.notebook).name}: {record.status} ({record.seconds:.1f} s)"
                      + (f": {record.error}" if record.error else ""))

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()

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
                 fresh_kernels: bool = False, stream=None):
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
        self.fresh_kernels = fresh_kernels
        self.sockets = Path(tempfile.mkdtemp(prefix="designkit-"))  # kernels' sockets; removed after the run
        self._kernel_count = 0

    # ------------------------------------------------------------------ kernels

    def _new_kernel(self, worker: int):
        """A kernel manager for one worker; nbclient starts its kernel on first use."""
        from jupyter_client.manager import AsyncKernelManager

        self._kernel_count += 1
        # Unix sockets, not TCP: local only, no ports to collide. Their path must be absolute,
        # since the kernel runs in another folder than this process.
        km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                ip=str(self.sockets / f"k{self._kernel_count}"))
        self.kernels.add(km)
        return km

    def _retire_kernel(self, km) -> None:
        """Shut a kernel down (from the worker thread that used it) and make sure it is gone."""
        from jupyter_core.utils import run_sync

        try:
            if km.has_kernel:
                run_sync(km.shutdown_kernel)(now=True)
        except Exception:  # already dead, or half started: the kill below is what matters
            pass
        self.kernels.kill(km)
        self.kernels.discard(km)

    def _reset_kernel(self, km) -> bool:
        """Clear the namespace a previous step left in a reused kernel; False if it cannot."""
        from jupyter_core.utils import run_sync

        async def reset() -> bool:
            kc = km.client()
            kc.start_channels()
            try:
                await kc.wait_for_ready(timeout=30)
                reply = await kc.execute_interactive("%reset -f", store_history=False, timeout=30,
                                                     output_hook=lambda msg: None)
                return reply["content"]["status"] == "ok"
            finally:
                kc.stop_channels()

        try:
            return run_sync(reset)()
        except Exception:
            return False

    # ------------------------------------------------------------------ one step

    def _parameters(self, step: Step) -> dict:
        params = {"design_path": str(self.design_path), "output_dir": str(self.output_dir)}
        if step.id == "report":
            params["run_status"] = str(self.output_dir / "run.json")
        return params

    def run_step(self, step: Step, position: int, km) -> StepRun:
        """Execute one step notebook in the kernel of ``km`` (started here if it is not yet)."""
        import papermill as pm
        from nbclient.exceptions import CellTimeoutError, DeadKernelError

        source = self.notebooks / step.notebook
        target = self.output_dir / "notebooks" / step.notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        record = StepRun(step.id, str(target))
        timed_out = threading.Event()

        def on_timeout():
            timed_out.set()
            self.kernels.kill(km)

        watchdog = threading.Timer(self.timeout, on_timeout)
        watchdog.daemon = True
        started = time.perf_counter()
        self.progress.line(f"{step.notebook}: started")
        try:
            watchdog.start()
            pm.execute_notebook(
                str(source), str(target), parameters=self._parameters(step), kernel_name=KERNEL_NAME,
                progress_bar=False, on_cell_executed=lambda **_: self.progress.cell_done(step), km=km,
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
        if record.status != "ok":
            # the index in the saved notebook, which is what a reviewer opens (papermill adds
            # an injected-parameters cell and an error banner, so its own index is off by two)
            record.cell = _failed_cell(target)
        self.progress.step_done(record)
        return record

    def _worker(self, index: int, todo: queue.Queue, done: queue.Queue) -> None:
        """Run steps from ``todo`` until a None arrives, keeping one kernel warm between them.

        A kernel is reused only after a step that succeeded, and only once its namespace is
        reset; after a failure, timeout or interrupt it is shut down and the next step gets a
        new one, so one step's breakage never reaches another.
        """
        km = None
        try:
            while (item := todo.get()) is not None:
                step, position = item
                if km is not None and (self.fresh_kernels or not self._reset_kernel(km)):
                    self._retire_kernel(km)
                    km = None
                km = km or self._new_kernel(index)
                record = self.run_step(step, position, km)
                if record.status != "ok":
                    self._retire_kernel(km)
                    km = None
                done.put(record)
        finally:
            if km is not None:
                self._retire_kernel(km)

    # ------------------------------------------------------------------ the run

    def run(self) -> RunSummary:
        document = load_design(self.design_path)  # bad input fails here, before any kernel starts
        self.output_dir.mkdir(parents=True, exist_ok=True)
        summary = RunSummary(self.design_path, self.output_dir)
        started = time.perf_counter()
        logging.getLogger("papermill").setLevel(logging.ERROR)
        previous = _install_sigterm()
        todo: queue.Queue = queue.Queue()
        done: queue.Queue = queue.Queue()
        workers = [threading.Thread(target=self._worker, args=(i, todo, done), daemon=True,
                                    name=f"designkit-worker-{i}")
                   for i in range(min(self.jobs, max(1, len(self.design_steps))))]
        self.progress.start(self.design_steps + ([self.report_step] if self.report_step else []),
                            self.notebooks)
        for worker in workers:
            worker.start()

        def collect(count: int) -> None:
            for _ in range(count):
                while True:  # short waits, so Ctrl-C is seen at once
                    try:
                        summary.steps.append(done.get(timeout=0.2))
                        break
                    except queue.Empty:
                        continue

        try:
            for position, step in enumerate(self.design_steps):
                todo.put((step, position))
            collect(len(self.design_steps))
            summary.steps.sort(key=lambda r: get_step(r.step).number)
            self._write_status(summary)
            if self.report_step is not None:  # last: it reports on the others, from run.json
                todo.put((self.report_step, len(self.design_steps)))
                collect(1)
                self._write_status(summary)
        except KeyboardInterrupt:
            self.interrupted.set()
            summary.steps.append(StepRun("run", "", "interrupted", error="interrupted by the user"))
            self.progress.line("interrupted: stopping every kernel")
        finally:
            if self.interrupted.is_set():
                _drain(todo)
                self.kernels.kill_all()
            for _ in workers:
                todo.put(None)
            for worker in workers:
                worker.join(timeout=60)
            self.kernels.kill_all()  # nothing outlives the run, whatever happened above
            self.progress.close()
            shutil.rmtree(self.sockets, ignore_errors=True)
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGTERM, previous)
        if not self.interrupted.is_set() and not any(
                s.step == "report" and s.status == "ok" for s in summary.steps):
            # The report notebook did not run or failed: write the outputs here, so the
            # checklist always exists and names every failed step.
            from ..outputs.assemble import write_outputs

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


def _drain(todo: queue.Queue) -> None:
    while True:
        try:
            todo.get_nowait()
        except queue.Empty:
            return


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
               timeout: float = 600, steps: list[str] | None = None, fresh_kernels: bool = False,
               stream=None, force: bool = False) -> RunSummary:
    """Run the batch and print where the outputs are; see Runner.

    The output folder is held for the run (a second run into it is refused), the design and
    files designkit did not write there are never overwritten (unless ``force``), and what the
    last run wrote is cleared first: see ``designkit.core.output_guard``.
    """
    from ..core.output_guard import run_outputs

    runner = Runner(Path(design), Path(output_dir), jobs=jobs, timeout=timeout, steps=steps,
                    fresh_kernels=fresh_kernels, stream=stream)
    with run_outputs(runner.output_dir, runner.design_path, force=force):
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
