"""``designkit check`` side by side with the OpenAPI linters Spectral (+ OWASP ruleset) and vacuum.

    .venv/bin/python bench/bench_peers.py [100 1000 10000] [--runs 3]

Not in CI and not in ``make bench`` (it needs npm and the network to the npm registry). The
peers are installed on demand with npm into ``bench/.peers/`` (gitignored):
``@stoplight/spectral-cli`` with ``@stoplight/spectral-owasp-ruleset``, and ``@quobix/vacuum``,
whose install script downloads its binary from GitHub releases; where that download fails the
reason is printed and Spectral is measured alone.

For each size, ``bench/gen_design.py`` writes a clean design and ``designkit export openapi``
turns it into the OpenAPI description the peers lint, so all three judge the same API. Each
tool runs as a fresh process; the runs are interleaved (designkit, Spectral, vacuum, designkit,
...) so load on this shared machine falls on all of them alike. Wall time and CPU time are
medians, peak memory the child's max RSS from ``os.wait4`` (Spectral is one node process).
The figures are written to ``bench/results/peers.json``, by size: a size measured alone (say
``bench_peers.py 10000 --runs 1``, Spectral takes minutes there) replaces only its own row.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_design import write_design  # noqa: E402
from measure import ROOT, child_env, load_average, run_once, summary  # noqa: E402

PEERS = Path(__file__).resolve().parent / ".peers"
BIN = PEERS / "node_modules" / ".bin"
RESULTS = Path(__file__).resolve().parent / "results" / "peers.json"
SPECTRAL_PACKAGES = ["@stoplight/spectral-cli", "@stoplight/spectral-owasp-ruleset"]
RULESET = 'extends:\n  - "spectral:oas"\n  - "@stoplight/spectral-owasp-ruleset"\n'


def _npm_install(packages: list[str]) -> str | None:
    """Install ``packages`` into bench/.peers; None on success, else the reason it failed."""
    if shutil.which("npm") is None:
        return "npm is not installed"
    PEERS.mkdir(exist_ok=True)
    proc = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PEERS), *packages],
                          capture_output=True, text=True, timeout=900)
    if proc.returncode == 0:
        return None
    lines = [x for x in proc.stderr.splitlines() if "error" in x and ("fetch" in x or "ENOTFOUND" in x)]
    return (lines[0] if lines else proc.stderr.strip().splitlines()[-1]).removeprefix("npm error ").strip()


def ensure_peers() -> dict[str, list[str] | str]:
    """The peer commands (argv prefixes), or for a peer that cannot be installed, why not."""
    peers: dict[str, list[str] | str] = {}
    if not (BIN / "spectral").exists():
        failed = _npm_install(SPECTRAL_PACKAGES)
        if failed:
            raise SystemExit(f"cannot install Spectral: {failed}")
    ruleset = PEERS / ".spectral-owasp.yaml"   # beside node_modules, so the ruleset package resolves
    ruleset.write_text(RULESET, encoding="utf-8")
    peers["spectral+owasp"] = [str(BIN / "spectral"), "lint", "--ruleset", str(ruleset), "-f", "text"]
    if not (BIN / "vacuum").exists():
        failed = _npm_install(["@quobix/vacuum"])
        if failed:
            peers["vacuum"] = f"npm install @quobix/vacuum failed: {failed}"
    if (BIN / "vacuum").exists():
        peers["vacuum"] = [str(BIN / "vacuum"), "lint"]
    return peers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    peers = ensure_peers()
    tools = {"designkit": None, **{k: v for k, v in peers.items() if isinstance(v, list)}}
    for name, why in peers.items():
        if isinstance(why, str):
            print(f"{name}: not measured ({why})")
    print(f"python {platform.python_version()}, node {subprocess.check_output(['node', '--version'], text=True).strip()}, "
          f"load {load_average()}, {args.runs} runs", flush=True)
    env = child_env()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            design = write_design(n, Path(tmp) / f"design-{n}.yaml")
            spec = Path(tmp) / f"openapi-{n}.yaml"
            subprocess.run([sys.executable, "-m", "designkit", "export", "openapi", str(design), "-o", str(spec)],
                           check=True, stdout=subprocess.DEVNULL, env=env)
            commands = {name: [sys.executable, "-m", "designkit", "check", str(design)] if prefix is None
                        else [*prefix, str(spec)] for name, prefix in tools.items()}
            run_once(commands["designkit"], env=env, cwd=ROOT)   # warm-up (bytecode, model cache), untimed
            measured: dict[str, tuple[list, list, list]] = {k: ([], [], []) for k in commands}
            for _ in range(args.runs):
                for name, cmd in commands.items():
                    wall, peak, cpu = run_once(cmd, env=env, cwd=PEERS if name != "designkit" else ROOT,
                                               ok=range(256))
                    for series, value in zip(measured[name], (wall, peak, cpu), strict=True):
                        series.append(value)
            figures = {name: summary(walls, peaks, cpus) for name, (walls, peaks, cpus) in measured.items()}
            rows.append({"endpoints": n, "design_bytes": design.stat().st_size, "openapi_bytes": spec.stat().st_size,
                         "tools": figures})
            print(f"{n:,} endpoints: " + "; ".join(f"{k} {v['wall_s']:.2f} s wall, {v['cpu_s']:.2f} s CPU, "
                                                    f"{v['peak_mib']:.0f} MiB" for k, v in figures.items()), flush=True)
    peer_names = [k for k in tools if k != "designkit"]
    print("\n| endpoints | design / OpenAPI | tool | wall (median) | CPU (median) | peak RSS | "
          "peer / designkit wall | CPU | memory |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        dk = row["tools"]["designkit"]
        for name, fig in row["tools"].items():
            ratio = ("" if name == "designkit" else
                     f"{fig['wall_s'] / dk['wall_s']:.1f}x | {fig['cpu_s'] / dk['cpu_s']:.1f}x | "
                     f"{fig['peak_mib'] / dk['peak_mib']:.1f}x")
            print(f"| {row['endpoints']:,} | {row['design_bytes'] / 1e6:.2f} / {row['openapi_bytes'] / 1e6:.2f} MB "
                  f"| {name} | {fig['wall_s']:.2f} s | {fig['cpu_s']:.2f} s | {fig['peak_mib']:.0f} MiB | "
                  f"{ratio or ' | | '} |")
    record = {
        "recorded": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python bench/bench_peers.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "load": load_average(), "runs": args.runs, "peers": peer_names,
        "not_measured": {k: v for k, v in peers.items() if isinstance(v, str)},
    }
    for row in rows:
        row.update({k: record[k] for k in ("recorded", "command", "load", "runs")})
    kept = json.loads(RESULTS.read_text(encoding="utf-8")).get("rows", []) if RESULTS.exists() else []
    record["rows"] = sorted([r for r in kept if r["endpoints"] not in args.sizes and "recorded" in r] + rows,
                            key=lambda r: r["endpoints"])   # a size measured alone keeps the others
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"\nrecorded in {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
