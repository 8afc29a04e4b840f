"""A real browser: JupyterLab on 127.0.0.1, Debian's Chromium driven by Playwright.

Opens the security step notebook on a copy of the example design, runs all cells, makes an
endpoint public in the form, saves, and checks the design file on disk (value changed, comments
kept) and the findings table on the page (the new gap is shown). The screenshot goes to
$DESIGNKIT_TEST_ARTIFACTS if set, else the tmp folder. Without Chromium the test skips locally
and fails under ``CI=true``.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

from designkit.core.loader import load_design

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "webhook-ingestion" / "design.yaml"
NOTEBOOK = ROOT / "notebooks" / "04_security.ipynb"
# Screenshots go where DESIGNKIT_TEST_ARTIFACTS says (to look at them), else into the test's tmp folder.
ARTIFACTS_ENV = "DESIGNKIT_TEST_ARTIFACTS"
TOKEN = "designkit-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.browser


def _need(condition: bool, reason: str) -> None:
    if condition:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (required under CI=true; .ci/run installs it)")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    url = f"http://127.0.0.1:{port}/api/status?token={TOKEN}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"jupyter lab did not answer /api/status within {timeout}s:\n{log.read_text()[-3000:]}")


def _prepare(tmp: Path) -> Path:
    """Copy the design and the notebook into ``tmp``, parameters pointing at the copy."""
    shutil.copyfile(EXAMPLE, tmp / "design.yaml")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    params.source = 'design_path = "design.yaml"\noutput_dir = "out"\nchecked = ""'
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                 "language": "python"}
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(nb, tmp / NOTEBOOK.name)
    # Render every cell (no windowing), so the findings output is in the page to read.
    settings = tmp / ".settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    return tmp / "design.yaml"


def test_form_change_in_jupyterlab_saves_and_updates_findings(tmp_path: Path):
    chromium = shutil.which("chromium")
    _need(chromium is not None, "Chromium not found on PATH (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    _need(NOTEBOOK.exists(), f"{NOTEBOOK} is missing")
    design = _prepare(tmp_path)
    before = design.read_text()
    port = _free_port()
    log = tmp_path / "jupyter.log"
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / ".jupyter"),
               JUPYTERLAB_SETTINGS_DIR=str(tmp_path / ".settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path / ".workspaces"))
    jupyter = Path(sys.executable).parent / "jupyter"
    # No news or update checks: this machine has no network, and their consent popup would
    # cover part of the page.
    settings = tmp_path / ".lab-settings"
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false", "checkForUpdates": false}')
    with open(log, "wb") as out:
        server = subprocess.Popen(
            [str(jupyter), "lab", f"--IdentityProvider.token={TOKEN}", "--ServerApp.ip=127.0.0.1",
             f"--port={port}", "--no-browser", f"--ServerApp.root_dir={tmp_path}",
             f"--LabApp.user_settings_dir={settings}", "--LabApp.news_url=None",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    artifacts = Path(os.environ.get(ARTIFACTS_ENV) or tmp_path / "artifacts")
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "browser-security-form.png"
    try:
        _wait_for_server(port, server, log)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                _drive(page, port)
            finally:
                page.screenshot(path=str(shot), full_page=True)
                browser.close()
    finally:
        if server.poll() is None:                  # stopped by its own process id, kernels with it
            os.kill(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(server.pid, signal.SIGKILL)
                server.wait()

    after = design.read_text()
    document = load_design(design)
    endpoint = next(e for e in document.design.api.endpoints if e.id == "listEvents")
    assert endpoint.auth == "public"
    assert after.splitlines()[:4] == before.splitlines()[:4]      # the header comments
    changed = [line for line in difflib.ndiff(before.splitlines(), after.splitlines())
               if line[:1] in "+-"]
    assert changed == ["-       auth: operator-oidc", "+       auth: public"]
    assert shot.exists() and shot.stat().st_size > 10_000


def sync_api_timeout() -> type[Exception]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    return PlaywrightTimeout


def _drive(page, port: int) -> None:
    page.goto(f"http://127.0.0.1:{port}/lab/tree/{NOTEBOOK.name}?token={TOKEN}")
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
    select_kernel = page.get_by_role("button", name="Select", exact=True)
    try:
        select_kernel.click(timeout=5_000)       # only shown when JupyterLab asks for a kernel
    except sync_api_timeout():
        pass
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=60_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    form = page.locator(".designkit-form")
    form.wait_for(timeout=120_000)

    findings = page.locator(".jp-CodeCell").filter(
        has=page.locator(".jp-InputArea", has_text="session.show_findings()")).locator(".jp-OutputArea")
    findings.wait_for()
    assert "API001" not in findings.inner_text()

    # choose listEvents in the endpoint list (a <select>; ipywidgets listens to 'change')
    select = form.locator("select").first
    select.wait_for()
    select.evaluate("""(el) => {
        const i = [...el.options].findIndex(o => o.textContent.includes('listEvents'));
        el.selectedIndex = i; el.dispatchEvent(new Event('change', {bubbles: true}));
    }""")
    # Auth is a dropdown of the design's authentication schemes (and public)
    auth = form.locator(".widget-dropdown:visible").filter(
        has=page.locator("label", has_text=re.compile(r"^Auth$"))).locator("select")
    page.wait_for_function("(el) => el && el.value === 'operator-oidc'", arg=auth.element_handle(),
                           timeout=30_000)
    auth.select_option("public")
    form.locator("button:visible", has_text=re.compile(r"^\s*Save\s*$")).first.click()
    page.locator(".dk-status.dk-ok").wait_for(timeout=60_000)
    page.wait_for_function(
        "(el) => el.innerText.includes('API001')", arg=findings.element_handle(), timeout=30_000)
    assert "listEvents is public with no justification" in findings.inner_text()
