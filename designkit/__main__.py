"""The ``designkit`` command (and ``python -m designkit``): ``check`` starts without click.

``designkit check`` is the gate a CI runs on every change, so its start-up is most of its cost
on a real design. The usual, well-formed call, ``designkit check DESIGN [--format F] [--fail-on
L]``, is run here without importing the command-line library or the other commands (about a
fifth of the start-up), and its report printed as ``click.echo`` prints it. Everything else
(help, another command, ``-o`` and any other option, a value this does not recognise) goes to
the click command line in ``designkit.cli``, which parses it and gives its messages. A design
that cannot be loaded is reported here as ``cli.main`` reports it (``DesignKitError.message``
and its exit code); any other error goes to ``cli.main`` to be reported there.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

_CHOICES = {"--format": ("text", "json", "sarif"), "--fail-on": ("error", "warning", "never")}


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
            if name not in _CHOICES:
                return None
            if not eq:
                i += 1
                if i == len(rest):
                    return None
                value = rest[i]
            if name in found or value not in _CHOICES[name]:
                return None
            found[name] = value
        else:
            if "design" in found or not token:
                return None
            found["design"] = token
        i += 1
    return found if "design" in found else None


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
    # This process imports the model, the loader and the rules, checks one design and ends: the
    # cyclic collector would only walk objects that live until the end (a tenth of the start-up;
    # the check itself keeps it paused as well, see ``outputs.check``).
    gc.disable()
    from .core.startcache import primed

    with primed():   # the modules a check runs, with what their imports compile ready made
        from . import capacity, rules, threats  # noqa: F401 (the rules import these as they run)
        from .core import loader  # noqa: F401
        from .outputs import report  # noqa: F401
        from .outputs.check import check_design

    from .core.errors import DesignKitError

    try:
        text, code = check_design(Path(options["design"]), fmt=options.get("--format", "text"),
                                  fail_on=options.get("--fail-on", "error"))
    except DesignKitError as exc:
        # bad input (a design that does not load): the message and exit code cli.main gives,
        # without loading the design a second time there (seconds for a large one)
        _echo(exc.message() + "\n", sys.stderr)
        sys.exit(exc.exit_code)
    except Exception:   # noqa: BLE001 (handed on, not swallowed)
        # The command line reports every error (a DesignKitError, an unreadable file ...) in
        # one place: let it, by running the same call there.
        gc.enable()
        from .cli import main as cli_main

        cli_main(argv)
        return
    except KeyboardInterrupt:
        _echo("interrupted\n", sys.stderr)
        sys.exit(130)
    _echo(text, sys.stdout)
    sys.stderr.flush()
    # All is written: end without the interpreter's teardown, which frees the loaded design
    # object by object (0.03 s at 1,000 endpoints, 0.1 s at 10,000), as `run` and `import` do.
    os._exit(code)


if __name__ == "__main__":
    main()
