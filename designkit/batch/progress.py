"""What a batch run reports as it goes (``RunEvents``), and the terminal view the CLI plugs in.

The runner prints nothing: it calls these hooks from its threads. ``TerminalProgress`` draws a
bar per step on a terminal and one plain line per event otherwise.
"""

from __future__ import annotations

import json
import shutil
import sys
import threading
from pathlib import Path

from ..core.steps import Step


class RunEvents:
    """The hooks a run calls (all do nothing here). Called from worker threads, except
    ``run_started`` and ``interrupted`` (the main thread)."""

    def run_started(self, steps: list[Step], notebooks: Path) -> None: ...

    def step_started(self, step: Step) -> None: ...

    def cell_done(self, step: Step) -> None: ...

    def step_finished(self, record) -> None: ...   # a runner.StepRun

    def interrupted(self) -> None: ...

    def close(self) -> None: ...


class TerminalProgress(RunEvents):
    """A bar per step on a terminal; one plain line per event otherwise.

    The bars are all made up front, in step order, by the main thread, and advanced as cells
    finish: bars created by worker threads as they start would redraw over each other.
    """

    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.lock = threading.Lock()
        self.bars: dict[str, object] = {}

    def run_started(self, steps: list[Step], notebooks: Path) -> None:
        if not self.tty:
            return
        from tqdm import tqdm

        width = shutil.get_terminal_size(fallback=(100, 24)).columns  # 0-sized ptys get 100
        for position, step in enumerate(steps):
            cells = sum(c.get("cell_type") == "code" and bool("".join(c.get("source", "")).strip())
                        for c in json.loads((notebooks / step.notebook).read_text(encoding="utf-8"))["cells"])
            self.bars[step.id] = tqdm(total=cells + 1, desc=f"{step.number:02d} {step.id:<13}", unit="cell",
                                      position=position, leave=True, file=self.stream, ncols=width,
                                      bar_format="{desc} {bar} {n_fmt}/{total_fmt}{postfix}")

    def step_started(self, step: Step) -> None:
        self._line(f"{step.notebook}: started")

    def cell_done(self, step: Step) -> None:
        bar = self.bars.get(step.id)
        if bar is not None:
            bar.update(1)

    def step_finished(self, record) -> None:
        bar = self.bars.get(record.step)
        if bar is not None:
            if record.status == "ok":
                bar.n = bar.total
            status = record.status if record.status == "ok" else record.status.upper()
            bar.set_postfix_str(f"{status} {record.seconds:.1f} s")
        else:
            error = f": {record.failure.error}" if record.failure else ""
            self._line(f"{Path(record.notebook).name}: {record.status} ({record.seconds:.1f} s){error}")

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()
        self.bars.clear()

    def _line(self, text: str) -> None:
        if not self.tty:
            with self.lock:
                print(text, file=self.stream, flush=True)
