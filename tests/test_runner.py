"""The runner's promises: a failing step is isolated, a hung step times out, Ctrl-C leaves no kernel."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, WEBHOOK

pytestmark = pytest.mark.slow


def _notebooks_with(tmp_path: Path, step_file: str, code: str) -> Path:
    """A copy of the step notebooks where `step_file` runs `code` after its parameters."""
    folder = tmp_path / "notebooks"
    shutil.copytree(ROOT / "notebooks", folder)
    nb = nbformat.read(folder / step_file, as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(code))
    nbformat.write(nb, folder / step_file)
    return folder


def _run(tmp_path: Path, notebooks: Path, *args: str, **popen) -> subprocess.Popen:
    env = dict(os.environ, DESIGNKIT_NOTEBOOKS=str(notebooks),
               DESIGNKIT_TEST_MARK=str(tmp_path / "runtime"))
    return subprocess.Popen([sys.executable, "-m", "designkit", "run", str(WEBHOOK), "-o",
                             str(tmp_path / "out"), *args], env=env, cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **popen)


def _kernels(runtime: Path) -> list[int]:
    """Pids of live kernel processes started by the run that was given `runtime` as its mark
    (kernels inherit the runner's environment, so the mark is in /proc/PID/environ)."""
    mark = f"DESIGNKIT_TEST_MARK={runtime}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
                environ = (proc / "environ").read_bytes().split(b"\0")
                state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if b"ipykernel" in cmdline and mark in environ and state != "Z":
                pids.append(int(proc.name))
    return pids


def test_a_failing_step_is_isolated_and_reported(tmp_path):
    notebooks = _notebooks_with(tmp_path, "05_services.ipynb", "raise RuntimeError('the services step broke')")
    proc = _run(tmp_path, notebooks, "--steps", "scope,services,api,report")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err
    out = tmp_path / "out"
    status = json.loads((out / "run.json").read_text())
    by_step = {s["step"]: s for s in status["steps"]}
    failed = by_step["services"]
    assert failed["status"] == "failed" and "the services step broke" in failed["error"]
    # the cell index is the executed notebook's (papermill adds its injected-parameters cell)
    executed = nbformat.read(out / "notebooks" / "05_services.ipynb", as_version=4)
    assert "the services step broke" in executed.cells[failed["cell"]].source
    assert by_step["scope"]["status"] == by_step["api"]["status"] == by_step["report"]["status"] == "ok"
    assert (out / "notebooks" / "05_services.ipynb").is_file()  # the executed notebook is kept
    checklist = (out / "checklist.md").read_text()
    assert "services" in checklist and "the services step broke" in checklist
    assert f"services: failed (cell {failed['cell']})" in err


def test_a_hung_step_times_out_and_its_kernel_is_stopped(tmp_path):
    notebooks = _notebooks_with(tmp_path, "01_scope.ipynb", "import time\ntime.sleep(600)")
    proc = _run(tmp_path, notebooks, "--steps", "scope", "--timeout", "20")
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 1, err
    status = json.loads((tmp_path / "out" / "run.json").read_text())
    assert status["steps"][0]["status"] == "timeout"
    assert "scope" in status["steps"][0]["error"] and "20 s" in status["steps"][0]["error"]
    assert _kernels(tmp_path / "runtime") == []


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_interrupt_stops_every_kernel(tmp_path, sig):
    notebooks = _notebooks_with(tmp_path, "01_scope.ipynb", "import time\ntime.sleep(600)")
    proc = _run(tmp_path, notebooks, "--steps", "scope,api", "--jobs", "2")
    runtime = tmp_path / "runtime"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not _kernels(runtime):
        time.sleep(0.2)
    assert _kernels(runtime), "no kernel started"
    time.sleep(3)  # let the other step get going too
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    time.sleep(0.5)
    assert _kernels(runtime) == []


def test_a_terminal_gets_one_progress_bar_per_step(tmp_path):
    """On a terminal: a bar per step, in step order, each ending with its status; no plain lines."""
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    proc = subprocess.Popen([sys.executable, "-m", "designkit", "run", str(WEBHOOK), "-o",
                             str(tmp_path / "out"), "--steps", "scope,api,report"], cwd=ROOT,
                            stdin=follower, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    assert proc.wait(timeout=300) == 0
    screen = b"".join(chunks).decode(errors="replace")
    for label in ("01 scope", "03 api", "11 report"):
        assert label in screen
    assert screen.index("01 scope") < screen.index("03 api") < screen.index("11 report")
    assert screen.count(", ok ") >= 3 and ": started" not in screen
    assert "3/3 steps ran" in screen
