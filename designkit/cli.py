"""The ``designkit`` command line.

Heavy libraries (pandas, Jupyter, Papermill) are imported inside the commands that need them,
so ``designkit --help`` and ``designkit check`` start fast. Errors a user can cause are caught
in exactly one place (``main``) and printed without a traceback, exit code 2.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .core.errors import EXIT_BAD_INPUT, DesignKitError
from .outputs.exporters import exporters


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="designkit")
def cli() -> None:
    """designkit: design a backend service step by step, then check it and build from it."""


def _emit(text: str, output: Path | None, *, by: str, force: bool, protect=(), terminal: bool = False) -> None:
    """Write ``text`` to ``output`` through the output guard (never over an input or a file
    designkit did not write, unless --force), or print it; ``terminal`` text is made safe to show."""
    if output:
        from .core.output_guard import guarded_write

        click.echo(f"wrote {guarded_write(output, text, protect=list(protect), force=force, by=by)}")
        return
    if terminal:
        from .core.terminal import terminal_safe

        text = terminal_safe(text)
    click.echo(text, nl=False)


# ---------------------------------------------------------------- new, schema (lead)


@cli.command()
@click.argument("name")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write it (default: NAME/design.yaml).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def new(name: str, output: Path | None, force: bool) -> None:
    """Write a starter design file with every section and commented guidance."""
    from .core.starter import write_starter

    path = write_starter(name, output, force=force)
    click.echo(f"wrote {path}; next: designkit check {path}  (or open the notebooks with make lab)")


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite a file designkit did not write.")
def schema(output: Path | None, force: bool) -> None:
    """Print the design file's JSON Schema (for editor autocompletion)."""
    from .core.schema import schema_text

    _emit(schema_text(), output, by="schema", force=force)


# ---------------------------------------------------------------- run (lead)


@cli.command()
@click.argument("design", type=click.Path(path_type=Path))
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("out"), show_default=True, help="Folder for spec, checklist and notebooks.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=None,
              help="Steps run at once (default: the number of cores).")
@click.option("--timeout", type=click.FloatRange(min=1), default=600, show_default=True,
              help="Seconds a step may take before its kernel is stopped.")
@click.option("--steps", default=None, help="Comma-separated step ids to run (default: all).")
@click.option("--fresh-kernels", is_flag=True,
              help="Start a new kernel for every step (slower) instead of reusing a worker's kernel "
                   "with its namespace reset.")
@click.option("--force", is_flag=True,
              help="Overwrite files in the output folder that designkit did not write.")
@click.option("--baseline", default=None, metavar="OLD",
              help="An earlier design (a file, or git REV:PATH): the report and changes.md say what "
                   "changed since it and what that breaks.")
def run(design: Path, output_dir: Path, jobs: int | None, timeout: float, steps: str | None,
        fresh_kernels: bool, force: bool, baseline: str | None) -> None:
    """Run every step notebook headless on DESIGN and write the spec and the checklist."""
    # nbformat (which the runner uses to read and write notebooks) validates with jsonschema, and
    # jsonschema builds the rfc3987-syntax grammar on import when that package is installed (it
    # comes with jupyter-events): 1 to 4 s of start-up for an "iri" format no notebook uses. This
    # process does without it, as if it were not installed (jsonschema handles that).
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
    from .batch.progress import TerminalProgress
    from .batch.runner import run_design

    out = click.get_text_stream("stderr")
    summary = run_design(design, output_dir, jobs=jobs, timeout=timeout, fresh_kernels=fresh_kernels,
                         steps=steps.split(",") if steps else None, events=TerminalProgress(out), force=force,
                         baseline=baseline)
    finished = sum(s.status == "ok" for s in summary.steps)
    if summary.interrupted:
        click.echo(f"interrupted: every kernel stopped; {finished} steps had finished, no outputs written",
                   err=True)
    else:
        click.echo(f"{finished}/{len(summary.steps)} steps ran in {summary.seconds:.1f} s; "
                   f"outputs in {summary.output_dir}", err=True)
        for f in summary.failures:
            where = f" (cell {f.cell})" if f.cell is not None else ""
            click.echo(f"  {f.step}: {f.status}{where}: {f.error}", err=True)
        for name in ("spec", "checklist", "report"):
            if name in summary.outputs:
                click.echo(f"  {name}: {summary.outputs[name]}", err=True)
    # Every file of the run is written and closed, and every kernel is gone: end the process
    # now. The interpreter's own teardown (Jupyter's ZeroMQ and asyncio state, a garbage
    # collection) would add about a second, and after Ctrl-C a worker thread may still be
    # unwinding its dead kernel.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(summary.exit_code)


# ---- export / import (artifacts)

@cli.command()
@click.argument("kind", type=click.Choice(exporters.kinds()))
@click.argument("design", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="File (openapi, asyncapi, sql) or folder (diagrams, adr) to write; "
                   "openapi, asyncapi and sql print to standard output without it.")
@click.option("--dialect", type=click.Choice(["sqlite", "postgresql"]), default="postgresql",
              show_default=True, help="SQL dialect (sql only).")
@click.option("--force", is_flag=True, help="Overwrite files designkit did not write.")
def export(kind: str, design: Path, output: Path | None, dialect: str, force: bool) -> None:
    """Export KIND (an artifact kind: see the choices above) from DESIGN."""
    from .core.loader import load_design

    document = load_design(design)
    options = {"dialect": dialect} if kind == "sql" else {}
    exporter = exporters.get(kind)
    if output is None:
        if not exporter.single_file:
            raise click.UsageError(f"the {kind} export writes several files; give a folder with -o")
        (text,) = exporter.render(document.design, **options).values()
        click.echo(text, nl=False)
        return
    for path in exporter.export(document, output, force=force, **options):
        click.echo(f"wrote {path}")


@cli.group(name="import")
def import_() -> None:
    """Import an existing API description as a design file."""


@import_.command(name="openapi")
@click.argument("source", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("design.yaml"), show_default=True, help="Design file to write.")
@click.option("--name", default=None, help="Design name (default: from info.title).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def import_openapi_cmd(source: Path, output: Path, name: str | None, force: bool) -> None:
    """Import an OpenAPI 3.0/3.1 file (YAML or JSON) as a design file with marked gaps."""
    import gc

    from .core.startcache import primed

    # As a check does (``__main__``): no collector passes over the modules and data that live
    # until the process ends, and the imports' regular expressions, dataclass methods and
    # annotations taken ready made from the start-up cache.
    gc.disable()
    with primed():
        from .importers.openapi import write_design_from_openapi

    path, gaps = write_design_from_openapi(source, output, name=name, force=force)
    click.echo(f"wrote {path} ({gaps} gaps marked '# GAP'); next: designkit check {path}")
    # The design file is written and closed: end the process now, as `run` does. The
    # interpreter's teardown (pydantic's and the model's modules, a last garbage collection)
    # took about 0.03 s of CPU, a tenth of the import of a 1.9 MB description.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


# ---- check (rules)


@cli.command()
@click.argument("design", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text",
              show_default=True, help="text (grouped by step, file:line), json, or SARIF 2.1.0.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "never"]), default="error",
              show_default=True, help="Exit 1 when a finding at or above this severity is open.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite a file designkit did not write.")
def check(design: Path, fmt: str, fail_on: str, output: Path | None, force: bool) -> None:
    """Check DESIGN against the rules (no notebooks): exit 0 clean, 1 findings, 2 bad input."""
    from .outputs.check import check_design, check_design_to

    if output:
        sys.exit(check_design_to(design, output, fmt=fmt, fail_on=fail_on, force=force))
    text, code = check_design(design, fmt=fmt, fail_on=fail_on)
    click.echo(text, nl=False)
    sys.exit(code)


# ---- capacity (the capacity and failure model)


@cli.command()
@click.argument("design", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text (aligned tables, long cells shortened) or json (every cell whole).")
def capacity(design: Path, fmt: str) -> None:
    """Show DESIGN's capacity and failure model: Little's law, retry load, latency budget, availability, FMEA.

    Exit 1 when a latency budget or an availability chain does not add up, 0 otherwise.
    """
    import json

    from .capacity import capacity_model, capacity_tables
    from .capacity.tables import tables_json, tables_text
    from .core.loader import load_design

    model = capacity_model(load_design(design).design)
    tables = capacity_tables(model)
    if fmt == "json":
        click.echo(json.dumps(tables_json(tables), indent=2, ensure_ascii=False))
    else:
        click.echo(tables_text(tables), nl=False)
    short = [b for b in model.latency_budgets if not b.fits] + [a for a in model.availability_chains if not a.fits]
    sys.exit(1 if short else 0)


# ---- diff (design changes)


@cli.command()
@click.argument("old")
@click.argument("new")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "markdown"]), default="text",
              show_default=True, help="text, json, SARIF 2.1.0, or markdown (a pull-request comment).")
@click.option("--fail-on", type=click.Choice(["breaking", "warning", "never"]), default="never",
              show_default=True, help="Exit 1 when a change at or above this level is found.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite a file designkit did not write.")
def diff(old: str, new: str, fmt: str, fail_on: str, output: Path | None, force: bool) -> None:
    """Classify every change from OLD to NEW (files, or git REV:PATH): breaking, warning, info."""
    from .diff import diff_report

    text, code = diff_report(old, new, fmt=fmt, fail_on=fail_on)
    _emit(text, output, by="diff", force=force, protect=[old, new])
    sys.exit(code)


# ---- threats (threat model)


@cli.command()
@click.argument("design", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "otm"]), default="text", show_default=True,
              help="text (threats by element), json (diagram, threats, register), or OTM 0.2.0 JSON.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--force", is_flag=True, help="Overwrite a file designkit did not write.")
def threats(design: Path, fmt: str, output: Path | None, force: bool) -> None:
    """List DESIGN's threat model: STRIDE threats per element and flow, what mitigates each, what is missing."""
    from .core.loader import load_design
    from .threats import build_threat_model
    from .threats.render import format_threats_json, format_threats_text

    document = load_design(design)
    model = build_threat_model(document.design)
    if fmt == "otm":
        import json

        from .outputs.exporters.otm import build_otm

        text = json.dumps(build_otm(document.design, model), indent=2) + "\n"
    else:
        text = format_threats_json(model) if fmt == "json" else format_threats_text(model, str(document.path))
    _emit(text, output, by="threats", force=force, protect=[design], terminal=fmt == "text")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning any DesignKitError into a clear message and exit 2."""
    try:
        cli.main(args=argv, prog_name="designkit", standalone_mode=False)
    except DesignKitError as exc:
        click.echo(exc.message(), err=True)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_BAD_INPUT if exc.exit_code == 2 else exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except OSError as exc:  # a folder that is missing, read-only, full: the path and the reason
        if not exc.filename:
            raise
        from .core.output_guard import output_error

        click.echo(f"error: {output_error(exc.filename, exc, what='write').format()}", err=True)
        sys.exit(EXIT_BAD_INPUT)
    sys.exit(0)
