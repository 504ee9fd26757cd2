"""The one exception hierarchy of policygen.

Every error the library raises on purpose derives from :class:`PolicyGenError`
and carries the process exit code the command line should use. The click layer
turns them into messages in exactly one place (``cli.main``); nothing below it
prints or exits.

Exit codes:

* ``2`` -- bad input: a profile, a clause file, a template, an option, or an
  output folder that would be overwritten.
* ``1`` -- the command ran and found problems (``lint`` findings).
* ``3`` -- an external program the command needs (LibreOffice, for PDF) is
  missing or failed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file, located as precisely as we can.

    Attributes:
        file: The file the problem is in (as given by the user).
        path: The field path inside the file, e.g. ``services[1]``; empty for
            problems with the whole file.
        message: What is wrong, including the bad value and what is allowed.
        line: 1-based line number in ``file`` when known.
    """

    file: str
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
        if self.path:
            return f"{where}: {self.path}: {self.message}"
        return f"{where}: {self.message}"


class PolicyGenError(Exception):
    """Base of every error policygen raises on purpose."""

    exit_code: int = 2

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])

    def render(self) -> str:
        """Return the full message, one problem per line."""
        lines = [self.message]
        lines.extend(f"  {p}" for p in self.problems)
        return "\n".join(lines)


class ProfileError(PolicyGenError):
    """The company profile cannot be read or is invalid."""


class LibraryError(PolicyGenError):
    """The clause library or a template folder is broken."""


class RenderError(PolicyGenError):
    """A clause or template failed while rendering for a profile."""


class OutputError(PolicyGenError):
    """Output cannot be written (it exists and --force was not given, ...)."""


class UsageError(PolicyGenError):
    """The command was called with options that do not fit together."""


class ConverterError(PolicyGenError):
    """LibreOffice is missing or failed to convert a document."""

    exit_code = 3


class LintFailed(PolicyGenError):
    """``lint`` found problems in the library."""

    exit_code = 1
