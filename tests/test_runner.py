"""The runner's promises: a failing step is isolated, a hung step times out, Ctrl-C leaves no kernel."""

from __future__ import annotations

import json
import os
import re
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


def _report_notebook_checklist(notebook: Path) -> list[tuple[str, str]]:
    """(item, status) rows of the checklist table the executed report notebook displays."""
    from html.parser import HTMLParser

    nb = nbformat.read(notebook, as_version=4)
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "checklist_table(" in c.source]
    (html,) = [o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {})]

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.rows[-1].append(" ".join("".join(self.cell).split()))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed(html)
    header, *body = parser.rows  # pandas' header row has an empty cell over the index column
    item, status = header.index("item"), header.index("status")
    return [(row[item], row[status]) for row in body]


def _checklist_md(path: Path) -> list[tuple[str, str]]:
    return re.findall(r"^- \[.\] \*\*(.+?)\*\* — (met|not met|waived),", path.read_text(), re.M)


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
    # the cell index is the executed notebook's (with its injected-parameters cell)
    executed = nbformat.read(out / "notebooks" / "05_services.ipynb", as_version=4)
    assert "the services step broke" in executed.cells[failed["cell"]].source
    assert by_step["scope"]["status"] == by_step["api"]["status"] == by_step["report"]["status"] == "ok"
    checklist = (out / "checklist.md").read_text()
    assert "services" in checklist and "the services step broke" in checklist
    assert f"services: failed (cell {failed['cell']})" in err
    # the failure travels whole: findings.json has the cell's source and the error's name
    (recorded,) = json.loads((out / "findings.json").read_text())["step_failures"]
    assert recorded["ename"] == "RuntimeError" and recorded["evalue"] == "the services step broke"
    assert recorded["source"] == "raise RuntimeError('the services step broke')"
    # what the report notebook shows is what checklist.md says, failed step included
    shown, written = _report_notebook_checklist(out / "notebooks" / "11_report.ipynb"), _checklist_md(out / "checklist.md")
    assert len(written) == 9 and ("Include security and observability plans", "not met") in written
    assert [status for _, status in shown] == [status for _, status in written]
    for (shown_item, _), (item, _) in zip(shown, written, strict=True):  # pandas cuts long text short with "..."
        assert item.startswith(shown_item.removesuffix("...")), (shown_item, item)


def test_a_failing_report_notebook_is_in_the_outputs_written(tmp_path):
    """The outputs are rendered while the report notebook runs, as if it succeeds: when it fails,
    what is written says so all the same."""
    notebooks = _notebooks_with(tmp_path, "11_report.ipynb", "raise RuntimeError('the report step broke')")
    proc = _run(tmp_path, notebooks, "--steps", "scope,report")
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 1, err
    out = tmp_path / "out"
    (recorded,) = json.loads((out / "findings.json").read_text())["step_failures"]
    assert recorded["step"] == "report" and recorded["evalue"] == "the report step broke"
    assert "the report step broke" in (out / "checklist.md").read_text()
    assert "the report step broke" in (out / "report.html").read_text()


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


def test_ctrl_c_stops_at_once_and_starts_no_further_step(tmp_path):
    """Steps queued behind the interrupted one never start, and the run ends promptly with 130."""
    mark = tmp_path / "sleeping"
    notebooks = _notebooks_with(tmp_path, "01_scope.ipynb",
                                f"import pathlib, time\npathlib.Path({str(mark)!r}).touch()\ntime.sleep(600)")
    proc = _run(tmp_path, notebooks, "--steps", "scope,data_model,api,report", "--jobs", "1")
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline and not mark.exists():
        time.sleep(0.1)
    assert mark.exists(), "the scope step never reached its sleep"
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=120)
    took = time.monotonic() - sent
    assert proc.returncode == 130, err
    assert took < 15, f"the run took {took:.1f} s to stop"
    assert "Traceback" not in err
    assert [line for line in err.splitlines() if "interrupted" in line] == [err.splitlines()[-1]]
    assert "01_scope.ipynb: started" in err
    for later in ("02_data_model", "03_api", "11_report"):
        assert f"{later}.ipynb: started" not in err
        assert not (tmp_path / "out" / "notebooks" / f"{later}.ipynb").exists()
    assert not (tmp_path / "out" / "checklist.md").exists()  # no outputs from a half run
    status = json.loads((tmp_path / "out" / "run.json").read_text())
    assert status["interrupted"] is True and [s["step"] for s in status["steps"]] == []
    time.sleep(0.5)
    assert _kernels(tmp_path / "runtime") == []


def test_a_step_cannot_see_the_previous_steps_state_in_a_reused_kernel(tmp_path):
    """One worker runs both steps on one warm kernel (same process), yet the second sees nothing
    the first defined."""
    from designkit.batch.runner import Runner

    folder = tmp_path / "notebooks"
    folder.mkdir()
    bodies = {"01_scope.ipynb": "import os\nimport json as leaked_module\nleaked = 'scope was here'\n"
                                "open(os.path.join(output_dir, 'scope.pid'), 'w').write(str(os.getpid()))",
              "02_data_model.ipynb": "import os\nassert 'leaked' not in globals() and 'leaked_module' not in globals()\n"
                                     "open(os.path.join(output_dir, 'data_model.pid'), 'w').write(str(os.getpid()))"}
    for name, body in bodies.items():
        params = nbformat.v4.new_code_cell('design_path = ""\noutput_dir = ""\nchecked = ""')
        params.metadata["tags"] = ["parameters"]
        nb = nbformat.v4.new_notebook(cells=[params, nbformat.v4.new_code_cell(body)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, folder / name)
    out = tmp_path / "out"
    summary = Runner(WEBHOOK, out, jobs=1, steps=["scope", "data_model"], notebooks=folder).run()
    assert [(s.step, s.status) for s in summary.steps] == [("scope", "ok"), ("data_model", "ok")], summary.failures
    assert (out / "scope.pid").read_text() == (out / "data_model.pid").read_text()  # the same kernel


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
