"""Jinja2 environments: sandboxed, strict, and safe for untrusted clause files.

Clause libraries may come from third parties, so every template runs in an
``ImmutableSandboxedEnvironment`` with ``StrictUndefined`` (a misspelt
variable is an error, never an empty string), an allow-list of filters, no
globals and no loader that can reach the file system from a clause body.

Profile values are data. Every ``{{ ... }}`` output in a clause body passes
through :func:`md_escape`, so a company called ``*Pals* <script>`` prints
literally in Markdown, HTML and DOCX alike. Rendered text is never rendered
again, so ``{{ 7*7 }}`` inside a profile value stays as typed.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import StrictUndefined, meta, nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ..errors import LibraryError, Problem, RenderError
from ..profile import vocabulary as V

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~])")

ALLOWED_FILTERS = (
    "capitalize",
    "default",
    "first",
    "int",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "replace",
    "round",
    "sort",
    "string",
    "title",
    "trim",
    "unique",
    "upper",
    "select",
    "reject",
    "map",
)


def md_escape(value: Any) -> str:
    """Escape a value so Markdown shows it literally (used as Jinja's finalize)."""
    if value is None:
        return ""
    return _MD_SPECIAL.sub(r"\\\1", str(value))


def _human_list(items: Iterable[Any], conj: str = "and") -> str:
    return V.human_list([str(i) for i in items], conj)


def _label(value: str) -> str:
    for table in (V.SERVICES, V.JURISDICTIONS, V.DOC_KINDS, V.AUDIENCES):
        if value in table:
            return table[value].label
    return V.TOOL_LABELS.get(value, value)


def make_env(*, markdown: bool = True, search_path: list[Path] | None = None) -> ImmutableSandboxedEnvironment:
    """Build the one kind of Jinja environment policygen uses.

    Args:
        markdown: True for clause bodies and skeleton text (outputs escaped
            for Markdown); False for HTML page templates (HTML autoescape on).
        search_path: Folders to load page templates from, first match wins
            (the user's ``--templates`` folder, then the built-in one).
    """
    loader = jinja2.FileSystemLoader([str(p) for p in search_path]) if search_path else None
    env = ImmutableSandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=not markdown,
        finalize=md_escape if markdown else None,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        loader=loader,
        auto_reload=False,
    )
    env.filters = {name: env.filters[name] for name in ALLOWED_FILTERS}
    env.filters["human_list"] = _human_list
    env.filters["label"] = _label
    env.globals = {}
    return env


#: Names a clause body may use; `lint` checks bodies against this list.
CLAUSE_VARIABLES = (
    "company",
    "services",
    "jurisdictions",
    "audience",
    "features",
    "detection",
    "team",
    "effective_date",
    "governing_law",
    "safeguards",
    "determinations",
    "feature_ages",
)


def clause_context(profile_data: dict[str, Any]) -> dict[str, Any]:
    """Return the variables a clause body sees: the validated profile's fields."""
    ctx = {k: profile_data[k] for k in CLAUSE_VARIABLES if k != "feature_ages"}
    audience = profile_data["audience"]
    ctx["feature_ages"] = {
        f: max(audience["minimum_age"], audience["minimum_age_for"].get(f) or 0) for f in profile_data["features"]
    }
    if ctx["effective_date"] is not None:
        ctx["effective_date"] = ctx["effective_date"].isoformat()
    return ctx


_ENV: ImmutableSandboxedEnvironment | None = None


def clause_env() -> ImmutableSandboxedEnvironment:
    """Return the shared environment for clause bodies and skeleton text."""
    global _ENV
    if _ENV is None:
        _ENV = make_env(markdown=True)
    return _ENV


def syntax_problems(source: str, shown: str, first_line: int) -> list[Problem]:
    """Return syntax errors and undeclared variables in a template source."""
    env = clause_env()
    try:
        ast = env.parse(source, name=shown)
    except jinja2.TemplateSyntaxError as exc:
        line = (exc.lineno or 1) + first_line - 1
        return [Problem(shown, "", f"template syntax error: {exc.message}", line)]
    problems = [
        Problem(
            shown,
            "",
            f"filter {f.name!r} is not allowed; allowed: {', '.join(sorted(env.filters))}",
            f.lineno + first_line - 1,
        )
        for f in ast.find_all(nodes.Filter)
        if f.name not in env.filters
    ]
    if problems:  # the variable analysis compiles the template, which needs known filters
        return problems
    for name in sorted(meta.find_undeclared_variables(ast) - set(CLAUSE_VARIABLES)):
        line = next((n.lineno for n in ast.find_all(nodes.Name) if n.name == name), 1)
        problems.append(
            Problem(
                shown,
                "",
                f"undeclared variable {name!r}; clause bodies may use: {', '.join(CLAUSE_VARIABLES)}",
                line + first_line - 1,
            )
        )
    return problems


def render_text(source: str, context: dict[str, Any], shown: str, first_line: int = 1) -> str:
    """Render clause or skeleton text for a profile.

    Raises:
        RenderError: naming the file, line and the cause.
    """
    if "{" not in source:  # no Jinja syntax at all: nothing to render (a third of the library)
        return source
    try:
        return _compiled(source, shown).render(context)
    except jinja2.TemplateSyntaxError as exc:
        line = (exc.lineno or 1) + first_line - 1
        raise RenderError(
            f"Cannot render {shown}",
            [Problem(shown, "", f"template syntax error: {exc.message}", line)],
        ) from None
    except jinja2.UndefinedError as exc:
        line = _template_line(exc) or 1
        raise RenderError(
            f"Cannot render {shown}",
            [Problem(shown, "", f"undefined variable: {exc.message}", line + first_line - 1)],
        ) from None
    except jinja2.exceptions.SecurityError as exc:
        line = _template_line(exc) or 1
        raise RenderError(
            f"Cannot render {shown}",
            [Problem(shown, "", f"refused by the template sandbox: {exc}", line + first_line - 1)],
        ) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, jinja2.TemplateError) as exc:
        line = _template_line(exc) or 1
        raise RenderError(
            f"Cannot render {shown}",
            [Problem(shown, "", f"template error: {type(exc).__name__}: {exc}", line + first_line - 1)],
        ) from None


@functools.lru_cache(maxsize=4096)
def _compiled(source: str, shown: str) -> jinja2.Template:
    """Compile a template once per source text, and keep the code on disk.

    Compiling 150 clause bodies was a third of a cold run; the compiled code
    is cached by a hash of the source and the Jinja version (as Jinja's own
    bytecode cache does), so a changed clause is always recompiled.
    """
    import marshal

    from .. import cache

    env = clause_env()
    digest = cache.key("jinja", jinja2.__version__, source)
    data = cache.load("jinja", digest)
    code = None
    if data is not None:
        try:
            code = marshal.loads(data)
        except (ValueError, EOFError, TypeError):
            code = None
    if code is None:
        code = env.compile(source)
        cache.store("jinja", digest, marshal.dumps(code))
    template = env.template_class.from_code(env, code, env.make_globals(None))
    template.name = shown
    return template


def _template_line(exc: BaseException) -> int | None:
    """Find the template line in a Jinja traceback (Jinja rewrites frames)."""
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename == "<template>" or (frame.filename and not frame.filename.endswith(".py")):
            line = frame.lineno
    return line


@dataclass(frozen=True)
class Skeleton:
    """A loaded document skeleton."""

    doc: str
    file: str
    data: dict[str, Any]

    @property
    def section_ids(self) -> list[str]:
        """Section ids in document order."""
        return [s["id"] for s in self.data["sections"]]


@dataclass(frozen=True)
class Templates:
    """The template search path and the skeletons and common text it holds."""

    search_path: tuple[Path, ...]
    skeletons: dict[str, Skeleton]
    common: dict[str, Any]

    def find(self, relative: str) -> Path:
        """Return the first file named ``relative`` on the search path."""
        for base in self.search_path:
            candidate = base / relative
            if candidate.is_file():
                return candidate
        raise LibraryError(f"Template {relative} not found in {', '.join(map(str, self.search_path))}")
