"""The errors designkit raises for input a user got wrong.

Exception tree::

    DesignKitError                 root: every error a user can cause; the CLI catches it once
    ├── DesignFileError            a design file (or imported file) is missing, unreadable or invalid;
    │   │                          carries one or more Problems (file, line, key path, fix)
    │   └── ImportSourceError      an OpenAPI file cannot be imported
    ├── StaleDesignError           a save would overwrite a change made on disk since loading
    ├── EditError                  an edit names a key path the design does not have, or a bad operation
    ├── RegistryError              a registry lookup or registration failed
    │   ├── UnknownRuleError       (designkit.rules) no rule has that code
    │   └── RuleDefinitionError    (designkit.rules) a duplicate or undocumented rule
    └── UsageError                 a command was called with arguments that cannot work
                                   (an unknown exporter kind, step or option value)

Findings are results, not exceptions: see ``designkit.core.findings``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located precisely enough to fix it."""

    file: str
    line: int | None
    key_path: str
    message: str
    fix: str = ""

    def format(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        text = f"{where}: {self.key_path or '(top level)'}: {self.message}"
        if self.fix:
            text += f"\n    fix: {self.fix}"
        return text


class DesignKitError(Exception):
    """Root of every error a user can cause; ``exit_code`` is what the CLI returns."""

    exit_code = EXIT_BAD_INPUT

    def format(self) -> str:
        return str(self)

    def message(self) -> str:
        """What the command line prints for it on stderr: ``error:`` and the text, its control
        and bidi characters written out visibly (a design's text may hold any)."""
        from .terminal import terminal_safe

        return f"error: {terminal_safe(self.format())}"


class DesignFileError(DesignKitError):
    """A design file could not be loaded; ``problems`` says where and how to fix each part."""

    def __init__(self, problems: list[Problem], *, more: int = 0):
        self.problems = list(problems)
        self.more = more  # problems found beyond those listed (a file with a million of them)
        super().__init__(self.format())

    @classmethod
    def single(cls, file: str | Path, message: str, *, line: int | None = None,
               key_path: str = "", fix: str = "") -> DesignFileError:
        return cls([Problem(str(file), line, key_path, message, fix)])

    def format(self) -> str:
        head = ("1 problem" if len(self.problems) == 1 else f"{len(self.problems)} problems")
        body = "\n".join(p.format() for p in self.problems)
        if self.more:
            return f"{body}\n({head} shown and {self.more:,} more; nothing was changed)"
        return f"{body}\n({head}; nothing was changed)" if len(self.problems) > 1 else body


class ImportSourceError(DesignFileError):
    """An API description cannot be imported (not OpenAPI 3.x, a broken or remote $ref, too big)."""


class StaleDesignError(DesignKitError):
    """The design file changed on disk since it was loaded; saving would lose that change."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        super().__init__(
            f"{self.path}: the file changed on disk since it was loaded (another editor, notebook "
            "or a git pull); nothing was saved.\n    fix: reload the design, redo the edit, then save."
        )


class EditError(DesignKitError, KeyError):
    """An edit names a key path the design does not have, or an operation the editor lacks.

    Also a ``KeyError``, so code that looked a key up with ``[]`` semantics keeps working.
    """

    def __str__(self) -> str:          # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class RegistryError(DesignKitError):
    """A registry (rules, exporters) was asked for a name it lacks or given one twice."""


class UsageError(DesignKitError):
    """A command was called in a way that cannot work (unknown step, bad option value)."""
