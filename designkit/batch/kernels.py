"""The kernels of a batch run: one warm kernel per worker, reset between steps, killed at will.

A worker thread starts one kernel and keeps it and its client for the steps it runs, so the
imports (pandas, pydantic, the rules) are paid once per worker instead of once per step. Before
each later step the kernel's namespace is reset (``%reset -f``) over the same client the step
then runs on. A kernel is never reused after a step that failed, timed out or was interrupted.

The pool knows every live kernel process, so a watchdog (timeout) or the main thread (Ctrl-C)
can kill them from another thread at once; once the pool is closed it starts no kernel again.
The cells are executed with nbclient (the engine inside Papermill), the parameters injected with
Papermill's own ``parameterize_notebook``; the executed notebook is written once, atomically,
when the step ends, instead of after every cell.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.files import write_text_atomic

if TYPE_CHECKING:  # nbformat (with jsonschema's format checkers: 0.15 s) is imported once the
    import nbformat  # kernels are starting, not before (by Papermill, in the runner)

KERNEL_NAME = "python3"
# The kernels keep their input history in memory, not in the user's IPython history database
# (~/.ipython): a headless run's cells are nobody's history, and kernels writing that database
# after every cell, each waiting on its lock, made every step slower.
KERNEL_ARGUMENTS = ["--HistoryManager.enabled=False"]


class PoolClosed(Exception):
    """The run was interrupted: no kernel may start any more."""


@dataclass
class CellError:
    """Where an executed notebook stopped: the cell's index and source, and what it raised."""

    index: int | None
    source: str
    ename: str
    evalue: str


class WarmKernel:
    """One kernel process and its client, used by one worker thread (its own event loop)."""

    def __init__(self, pool: KernelPool, km):
        self.pool = pool
        self.km = km
        self.kc = None
        self.loop = asyncio.new_event_loop()
        self.steps = 0

    # ---------------------------------------------------------------- lifecycle

    async def _ready(self, cwd: Path) -> None:
        if not self.km.has_kernel:
            await self.km.start_kernel(cwd=str(cwd), env=self.pool.env, extra_arguments=KERNEL_ARGUMENTS)
            self.pool._started(self)
        if self.kc is None:
            self.kc = self.km.client()
            self.kc.start_channels()
            await self.kc.wait_for_ready(timeout=120)

    def start(self, cwd: Path, preload: tuple[str, ...] = ()) -> None:
        """Start the kernel now and import the modules ``preload`` in it (without binding a name
        in its namespace), so the first step finds its imports done.

        Then every object made so far (the modules) is moved out of the garbage collector's way
        (``gc.freeze``): the namespace reset between steps runs a full collection, which would
        otherwise walk all of them again each time (0.05-0.2 s a step)."""
        async def start() -> None:
            await self._ready(cwd)
            if preload:
                code = "; ".join([*(f"__import__({name!r})" for name in preload), "__import__('gc').freeze()"])
                await self.kc.execute_interactive(code, silent=True, store_history=False, timeout=120,
                                                  output_hook=lambda msg: None)
        self.loop.run_until_complete(start())

    async def _reset(self) -> None:
        reply = await self.kc.execute_interactive("%reset -f", store_history=False, timeout=30,
                                                  output_hook=lambda msg: None)
        if reply["content"]["status"] != "ok":
            raise RuntimeError("the kernel's namespace could not be reset")

    def kill(self) -> None:
        """Kill the kernel process now (from any thread)."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        if process is not None and process.poll() is None:
            process.kill()

    def retire(self) -> None:
        """Stop the client and the kernel (from the worker thread that used it)."""
        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                self.loop.run_until_complete(self.km.shutdown_kernel(now=True))
        except Exception:  # already dead or half started: the kill below is what matters
            pass
        self.kill()
        self.pool._gone(self)
        self.loop.close()

    # ---------------------------------------------------------------- one notebook

    def execute(self, nb: nbformat.NotebookNode, target: Path, *, timeout: float,
                on_cell: Callable[[], None]) -> CellError | None:
        """Run every cell of ``nb`` (reset first if this kernel ran a step before) and write it to
        ``target``; return where it failed, or None. Kernel death, timeouts and start-up
        failures raise (nbclient's ``DeadKernelError``, ``CellTimeoutError``, ...)."""
        try:
            return self.loop.run_until_complete(self._execute(nb, target.parent, timeout, on_cell))
        finally:
            import nbformat

            write_text_atomic(target, nbformat.writes(nb))

    async def _execute(self, nb, cwd: Path, timeout: float, on_cell) -> CellError | None:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError

        await self._ready(cwd)
        if self.steps:
            await self._reset()
        self.steps += 1
        client = NotebookClient(nb, km=self.km, kernel_name=KERNEL_NAME, timeout=timeout,
                                resources={"metadata": {"path": str(cwd)}})
        client.kc = self.kc
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            try:
                await client.async_execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
            except CellExecutionError as exc:
                return CellError(index, cell.source, exc.ename, exc.evalue)
            on_cell()
        return None


class KernelPool:
    """Every kernel of a run, so that they can all be killed from another thread."""

    def __init__(self, env: dict[str, str] | None = None):
        self.env = {**os.environ, **env} if env else None   # the kernels' environment (None: this one)
        # kernels talk over Unix sockets, not TCP: local only, no ports to collide; the path is
        # absolute since the kernel runs in another folder. Removed with close().
        self.folder = Path(tempfile.mkdtemp(prefix="designkit-"))
        self._lock = threading.Lock()
        self._live: set[WarmKernel] = set()
        self._count = 0
        self.closed = False

    def new(self) -> WarmKernel:
        """A kernel for one worker; it starts on its first step. Raises PoolClosed after close()."""
        from jupyter_client.manager import AsyncKernelManager

        with self._lock:
            if self.closed:
                raise PoolClosed()
            self._count += 1
            km = AsyncKernelManager(kernel_name=KERNEL_NAME, transport="ipc",
                                    ip=str(self.folder / f"k{self._count}"))
            return WarmKernel(self, km)

    def _started(self, kernel: WarmKernel) -> None:
        with self._lock:
            self._live.add(kernel)
            closed = self.closed
        if closed:  # interrupted while it was starting
            kernel.kill()
            raise PoolClosed()

    def _gone(self, kernel: WarmKernel) -> None:
        with self._lock:
            self._live.discard(kernel)

    def kill_all(self, *, close: bool = False) -> None:
        """Kill every live kernel; with ``close``, refuse to start any other."""
        with self._lock:
            self.closed = self.closed or close
            live = list(self._live)
        for kernel in live:
            kernel.kill()

    def close(self) -> None:
        self.kill_all(close=True)
        shutil.rmtree(self.folder, ignore_errors=True)
