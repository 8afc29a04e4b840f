"""The ``designkit`` command (and ``python -m designkit``): ``check`` starts without click.

``designkit check`` is the gate a CI runs on every change, so its start-up is most of its cost
on a real design. The usual, well-formed call, ``designkit check DESIGN [--format F] [--fail-on
L] [-o FILE]``, is run here without importing the command-line library or the other commands
(about a fifth of the start-up). Everything else (help, another command, an option or value this
does not recognise, an output path that is a folder) goes to the click command line in
``designkit.cli``, which parses it and gives its messages, so both paths behave the same.
"""

from __future__ import annotations

import sys
from pathlib import Path

_CHOICES = {"--format": ("text", "json", "sarif"), "--fail-on": ("error", "warning", "never")}
_NAMES = {"--format": "--format", "--fail-on": "--fail-on", "-o": "-o", "--output": "-o"}


def _parse_check(args: list[str]) -> dict[str, str] | None:
    """The options of a plain ``check`` call, or None for anything click should parse."""
    if not args or args[0] != "check":
        return None
    found: dict[str, str] = {}
    rest = args[1:]
    i = 0
    while i < len(rest):
        token = rest[i]
        if token.startswith("-"):
            name, eq, value = token.partition("=")
            if not eq and name.startswith("-o") and len(name) > 2:   # -oFILE
                name, value, eq = "-o", name[2:], "="
            if name not in _NAMES or token.startswith("-o="):   # click reads -o=F as "=F"
                return None
            if not eq:
                i += 1
                if i == len(rest):
                    return None
                value = rest[i]
            key = _NAMES[name]
            if key in found or not value or value.startswith("-"):
                return None
            if key in _CHOICES and value not in _CHOICES[key]:
                return None
            found[key] = value
        else:
            if "design" in found or not token:
                return None
            found["design"] = token
        i += 1
    if "design" not in found:
        return None
    if "-o" in found:
        if Path(found["-o"]).is_dir():
            return None
    return found


def _echo(text: str, stream) -> None:
    """What ``click.echo`` does with text: ANSI escapes dropped when not writing to a terminal."""
    if "\033" in text and not stream.isatty():
        import re

        text = re.sub(r"\033\[[;?0-9]*[a-zA-Z]", "", text)
    stream.write(text)
    stream.flush()


def main(argv: list[str] | None = None) -> None:
    """Entry point: a plain ``check`` runs here; every other call goes to ``designkit.cli``."""
    options = _parse_check(sys.argv[1:] if argv is None else list(argv))
    if options is None:
        from .cli import main as cli_main

        cli_main(argv)
        return
    from .core.errors import DesignKitError
    from .outputs.check import check_design, check_design_to

    fmt, fail_on = options.get("--format", "text"), options.get("--fail-on", "error")
    try:
        if "-o" in options:  # never over the design or a file designkit did not write
            code = check_design_to(options["design"], options["-o"], fmt=fmt, fail_on=fail_on)
        else:
            text, code = check_design(options["design"], fmt=fmt, fail_on=fail_on)
            _echo(text, sys.stdout)
    except DesignKitError as exc:
        from .core.terminal import terminal_safe

        _echo(f"error: {terminal_safe(exc.format())}\n", sys.stderr)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _echo("interrupted\n", sys.stderr)
        sys.exit(130)
    sys.exit(code)


if __name__ == "__main__":
    main()
