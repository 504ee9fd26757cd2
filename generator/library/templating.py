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

import datetime as _dt
import functools
import json
import os
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import StrictUndefined, meta, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment

from .. import limits
from ..errors import LibraryError, Problem, RenderError
from ..profile import YamlProblem, read_text
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
    return _MD_SPECIAL.sub(r"\\\1", str(_printable(value)))


def _human_list(items: Iterable[Any], conj: str = "and") -> str:
    items = list(items)
    _bounded(items)
    return V.human_list([str(i) for i in items], conj)


def _label(value: str) -> str:
    for table in (V.SERVICES, V.JURISDICTIONS, V.DOC_KINDS, V.AUDIENCES):
        if value in table:
            return table[value].label
    return V.TOOL_LABELS.get(value, value)


# --- Bounds and plain values -------------------------------------------------
#
# The sandbox stops clause bodies from reaching Python internals; these bounds
# stop them from exhausting memory or time (``{{ 'a'*10**10 }}``, a macro that
# calls itself) or printing a method's or object's repr (``{{ company.items }}``
# would show a memory address). Every failure is an error for the clause.

_PLAIN = (str, int, float, bool, type(None))
#: ``str`` methods a template may call; the rest (``center``, ``ljust``,
#: ``zfill``, ``format``, ...) can build huge strings or reach attributes.
SAFE_STR_METHODS = frozenset(
    {"capitalize", "endswith", "lower", "lstrip", "rstrip", "split", "startswith", "strip", "title", "upper"}
)
_SAFE_SEQ_METHODS = frozenset({"count", "index"})
_MAX_INT_BITS = 100_000
_FORMAT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


class _Method:
    """A method or callable object reached through an attribute: callable, but never printable."""

    __slots__ = ("fn",)

    def __init__(self, fn: Any) -> None:
        self.fn = fn

    def _refuse(self) -> str:
        raise jinja2.exceptions.SecurityError("a method cannot be printed; call it or use a value")

    __str__ = __repr__ = __html__ = _refuse  # type: ignore[assignment]


def _size(value: Any, limit: int = limits.MAX_TEXT) -> int:
    """Characters ``value`` would print as (stops counting past ``limit``)."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, (list, tuple)):
        total = 2
        for item in value:
            total += _size(item, limit) + 2
            if total > limit:
                break
        return total
    if isinstance(value, dict):
        total = 2
        for k, v in value.items():
            total += _size(k, limit) + _size(v, limit) + 4
            if total > limit:
                break
        return total
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 1
    return 16


def _bounded(value: Any) -> Any:
    if _size(value) > limits.MAX_TEXT:
        raise limits.LimitExceeded(f"builds text longer than {limits.MAX_TEXT:,} characters")
    return value


def _printable(value: Any) -> Any:
    """Refuse to print anything but plain data (strings, numbers, lists and mappings of them)."""
    if isinstance(value, (*_PLAIN, jinja2.Undefined)):
        return value
    if isinstance(value, (list, tuple, dict)):
        return _bounded(value)
    if isinstance(value, _Method):
        raise jinja2.exceptions.SecurityError("a method cannot be printed; call it or print a value")
    raise jinja2.exceptions.SecurityError(
        f"a {type(value).__name__} value cannot be printed; print plain values (e.g. add |list to a filter chain)"
    )


def _bounded_concat(parts: Iterable[Any]) -> str:
    """``environment.concat``: join output pieces, stopping past the size and time bounds."""
    out: list[str] = []
    total = 0
    for part in parts:
        total += len(part)
        if total > limits.MAX_TEXT:
            raise limits.LimitExceeded(f"renders more than {limits.MAX_TEXT:,} characters")
        out.append(part)
        limits.check_deadline()
    return "".join(out)


class _CodeGenerator(CodeGenerator):
    """Jinja's code generator, with ``a ~ b`` joined through a size check."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.join_values((")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("), context.eval_ctx.autoescape)")


class PolicyEnvironment(ImmutableSandboxedEnvironment):
    """The immutable sandbox, plus bounds on size, time and recursion, and plain-data access.

    * ``*``, ``**``, ``+`` and ``%`` are checked before they run, so no
      operator builds a value past :data:`limits.MAX_TEXT` or a number past
      100,000 bits.
    * Output, macro results and ``~`` joins are bounded the same way; macros
      nest at most :data:`limits.MAX_CALL_DEPTH` deep.
    * A mapping's attributes are its keys only (``company.items`` is
      undefined, never ``dict.items``); strings offer a few harmless methods;
      a method reached through an attribute can be called but never printed.
    """

    code_generator_class = _CodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concat = _bounded_concat  # type: ignore[assignment]

    def join_values(self, values: tuple[Any, ...], autoescape: bool) -> str:
        """Join the operands of ``~``, refusing non-plain values and text past the size bound."""
        join = markup_join if autoescape else str_join
        return _bounded(join(_printable(v) for v in values))

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        """Run ``*``, ``**``, ``+`` or ``%`` only when the result stays within the bounds."""
        limits.check_deadline()
        too_long = limits.LimitExceeded(f"builds text longer than {limits.MAX_TEXT:,} characters")
        too_big = limits.LimitExceeded(f"computes a number of more than {_MAX_INT_BITS:,} bits")
        seqs = (str, list, tuple)
        ints = isinstance(left, int) and isinstance(right, int)
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, seqs) and isinstance(n, int) and n > 0 and _size(seq) * n > limits.MAX_TEXT:
                    raise too_long
            if ints and left.bit_length() + right.bit_length() > _MAX_INT_BITS:
                raise too_big
        elif operator == "**":
            if ints and abs(left) > 1 and right > 0 and right * left.bit_length() > _MAX_INT_BITS:
                raise too_big
        elif operator == "+":
            if isinstance(left, seqs) and isinstance(right, seqs) and _size(left) + _size(right) > limits.MAX_TEXT:
                raise too_long
        elif operator == "%" and isinstance(left, str):
            for width, precision in _FORMAT_WIDTH.findall(left):
                for n in (width, precision):
                    if n == "*" or (n and int(n) > 10_000):
                        raise limits.LimitExceeded("formats with a field width over 10,000")
            _bounded(right)
        return _bounded(super().call_binop(context, operator, left, right))

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        """Allow the sandbox's safe attributes, and of strings and lists only a few methods."""
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if isinstance(obj, str):
            return attr in SAFE_STR_METHODS
        if isinstance(obj, (list, tuple)):
            return attr in _SAFE_SEQ_METHODS
        return True

    def wrap_str_format(self, value: Any) -> None:
        """Offer no ``str.format``: it is not in :data:`SAFE_STR_METHODS`."""
        return None  # str.format is not offered at all (see SAFE_STR_METHODS)

    def getattr(self, obj: Any, attribute: str) -> Any:
        """``obj.attribute``: a mapping's key, or a sandbox-checked attribute (methods wrapped)."""
        if isinstance(obj, dict):
            return self._key(obj, attribute)
        return self._wrap(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        """``obj[argument]``: a mapping's key, or the sandbox's lookup (methods wrapped)."""
        if isinstance(obj, dict):
            return self._key(obj, argument)
        return self._wrap(super().getitem(obj, argument))

    def _key(self, obj: dict, name: Any) -> Any:
        try:
            return obj[name]
        except (KeyError, TypeError):
            return self.undefined(obj=obj, name=name)

    @staticmethod
    def _wrap(value: Any) -> Any:
        if callable(value) and not isinstance(value, (jinja2.Undefined, type)):
            return _Method(value)
        return value

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        """Call from a template: within the time and depth bounds, the result size-checked."""
        limits.check_deadline()
        if isinstance(__obj, _Method):
            __obj = __obj.fn
        with limits.call_depth():
            result = super().call(__context, __obj, *args, **kwargs)
        return _bounded(result) if isinstance(result, str) else result


def _filter_join(eval_ctx: Any, value: Any, d: str = "", attribute: Any = None) -> str:
    items = list(value)
    _bounded([d] * len(items))
    _bounded(items)
    return _bounded(_JINJA_FILTERS["join"](eval_ctx, items, d, attribute))


def _filter_replace(eval_ctx: Any, s: Any, old: str, new: str, count: int | None = None) -> str:
    s, old, new = str(_printable(s)), str(_printable(old)), str(_printable(new))
    n = s.count(old) if old else len(s) + 1
    if count is not None:
        n = min(n, max(count, 0))
    if len(s) + n * max(len(new) - len(old), 0) > limits.MAX_TEXT:
        raise limits.LimitExceeded(f"builds text longer than {limits.MAX_TEXT:,} characters")
    return _JINJA_FILTERS["replace"](eval_ctx, s, old, new, count)


def _filter_string(value: Any) -> str:
    return _JINJA_FILTERS["string"](_printable(value))


def _eager(name: str) -> Any:
    """Wrap a lazy filter (map, select, reject, unique) to return a bounded list, not a generator."""
    original = _JINJA_FILTERS[name]

    def run(*args: Any, **kwargs: Any) -> list:
        out = []
        total = 0
        for item in original(*args, **kwargs):
            total += _size(item) + 2
            if total > limits.MAX_TEXT:
                raise limits.LimitExceeded(f"builds a list longer than {limits.MAX_TEXT:,} characters")
            out.append(item)
            limits.check_deadline()
        return out

    run.jinja_pass_arg = getattr(original, "jinja_pass_arg", None)  # type: ignore[attr-defined]
    if run.jinja_pass_arg is None:  # type: ignore[attr-defined]
        del run.jinja_pass_arg  # type: ignore[attr-defined]
    run.__name__ = name
    return run


_JINJA_FILTERS = jinja2.filters.FILTERS
_filter_join.jinja_pass_arg = _JINJA_FILTERS["join"].jinja_pass_arg  # type: ignore[attr-defined]
_filter_replace.jinja_pass_arg = _JINJA_FILTERS["replace"].jinja_pass_arg  # type: ignore[attr-defined]
_SAFE_FILTERS = {
    "join": _filter_join,
    "replace": _filter_replace,
    "string": _filter_string,
    **{name: _eager(name) for name in ("map", "select", "reject", "unique")},
}


def _html_finalize(value: Any) -> Any:
    return _printable(value)


def make_env(*, markdown: bool = True, search_path: list[Path] | None = None) -> PolicyEnvironment:
    """Build the one kind of Jinja environment policygen uses.

    Args:
        markdown: True for clause bodies and skeleton text (outputs escaped
            for Markdown); False for HTML page templates (HTML autoescape on).
        search_path: Folders to load page templates from, first match wins
            (the user's ``--templates`` folder, then the built-in one); each
            is a ``(templates root, subfolder)`` pair, and a file that links
            outside its root is refused.
    """
    loader = _SafeLoader(search_path) if search_path else None
    env = PolicyEnvironment(
        undefined=StrictUndefined,
        autoescape=not markdown,
        finalize=md_escape if markdown else _html_finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        loader=loader,
        auto_reload=False,
    )
    env.filters = {name: _SAFE_FILTERS.get(name, env.filters[name]) for name in ALLOWED_FILTERS}
    env.filters["human_list"] = _human_list
    env.filters["label"] = _label
    env.globals = {}
    return env


class _SafeLoader(jinja2.BaseLoader):
    """Load page templates from folders, refusing links that leave the templates folder.

    ``{% include %}`` and ``{% extends %}`` go through here too, so a linked
    file is refused wherever it is named; only regular files are read.
    """

    def __init__(self, search_path: list[Path]) -> None:
        self.search_path = list(search_path)

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Any]:
        pieces = jinja2.loaders.split_template_path(template)
        for folder in self.search_path:
            root = _templates_root(folder)
            candidate = folder.joinpath(*pieces)
            if not os.path.lexists(candidate):
                continue
            path = checked_template_file(candidate, root)
            return read_text_checked(path), str(path), lambda: True
        raise jinja2.TemplateNotFound(template)


def _templates_root(folder: Path) -> Path:
    """Return the templates folder a page-template folder (``<templates>/html``) belongs to."""
    return folder.parent if folder.name == "html" else folder


def checked_template_file(candidate: Path, root: Path) -> Path:
    """Return ``candidate`` if it is a regular file inside ``root`` (links resolved); else raise.

    Raises:
        LibraryError: naming the file, never showing what a link points to.
    """
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate)
    if real != real_root and not real.startswith(real_root + os.sep):
        raise LibraryError(
            "The templates folder has a problem",
            [Problem(str(candidate), "", "links outside the templates folder; template files must live inside it")],
        )
    if not os.path.isfile(real):
        raise LibraryError("The templates folder has a problem", [Problem(str(candidate), "", "is not a regular file")])
    return candidate


def read_text_checked(path: Path) -> str:
    """Read a template file as UTF-8 text (regular files only, size-limited).

    Raises:
        LibraryError: naming the file and the problem.
    """
    try:
        return read_text(path, str(path))
    except YamlProblem as exc:
        raise LibraryError("The templates folder has a problem", [exc.problem]) from None


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
    "contacts",
)


def plain(value: Any) -> Any:
    """Profile data as templates see it: strings, numbers, lists and mappings of them, nothing else."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [plain(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def contacts_for(profile_data: dict[str, Any]) -> dict[str, str]:
    """Return the ``contacts:`` fields as clause bodies see them.

    An empty field prints as a visible "TO COMPLETE: contacts.<id>" marker, never as blank prose.
    A company established in the EU needs no DSA legal representative, so that field says so.
    """
    given = profile_data.get("contacts") or {}
    out = {}
    for key in V.PROVIDER_CONTACTS:
        value = given.get(key)
        if (
            not value
            and key == "eu_legal_representative"
            and profile_data["company"].get("country") in V.EU_MEMBER_STATES
        ):
            value = "none needed: we are established in the EU"
        out[key] = value or f"{V.TO_COMPLETE}: contacts.{key}"
    return out


def clause_context(profile_data: dict[str, Any]) -> dict[str, Any]:
    """Return the variables a clause body sees: the validated profile's fields, as plain data."""
    ctx = {k: plain(profile_data[k]) for k in CLAUSE_VARIABLES if k not in ("feature_ages", "contacts")}
    ctx["contacts"] = contacts_for(profile_data)
    audience = profile_data["audience"]
    ctx["feature_ages"] = {
        f: max(audience["minimum_age"], audience["minimum_age_for"].get(f) or 0) for f in profile_data["features"]
    }
    return ctx


_ENV: PolicyEnvironment | None = None


def clause_env() -> PolicyEnvironment:
    """Return the shared environment for clause bodies and skeleton text."""
    global _ENV
    if _ENV is None:
        _ENV = make_env(markdown=True)
    return _ENV


def _fields(spec: Any) -> dict[str, Any] | None:
    return getattr(spec, "fields", None) if type(spec).__name__ == "Mapping" else None


def _attribute_problems(ast: nodes.Template, shown: str, first_line: int) -> list[Problem]:
    """Check ``company.x.y`` chains against the profile schema: only its fields exist.

    ``{{ company.items }}`` would otherwise pass lint and fail (or, before,
    print a memory address) at generate time.
    """
    from ..profile.profile import PROFILE_SCHEMA

    problems = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        chain: list[str] = []
        cur: Any = node
        while isinstance(cur, (nodes.Getattr, nodes.Getitem)):
            if isinstance(cur, nodes.Getattr):
                chain.append(cur.attr)
            elif isinstance(cur.arg, nodes.Const) and isinstance(cur.arg.value, str):
                chain.append(cur.arg.value)
            else:
                chain = []
                break
            cur = cur.node
        if not chain or not isinstance(cur, nodes.Name) or cur.name not in CLAUSE_VARIABLES:
            continue
        chain.reverse()
        spec = PROFILE_SCHEMA.fields.get(cur.name)
        path = cur.name
        for name in chain:
            fields = _fields(spec)
            if fields is None:
                break
            if name not in fields:
                from ..profile import did_you_mean

                problems.append(
                    Problem(
                        shown,
                        "",
                        f"{path} has no field {name!r}; it has: {', '.join(fields)}" + did_you_mean(name, list(fields)),
                        node.lineno + first_line - 1,
                    )
                )
                break
            spec = fields[name]
            path += "." + name
    unique = []
    for p in problems:
        if p not in unique:
            unique.append(p)
    return unique


def syntax_problems(source: str, shown: str, first_line: int) -> list[Problem]:
    """Return syntax errors, undeclared variables and unknown profile fields in a template source."""
    env = clause_env()
    try:
        ast = env.parse(source, name=shown)
    except jinja2.TemplateSyntaxError as exc:
        line = (exc.lineno or 1) + first_line - 1
        return [Problem(shown, "", f"template syntax error: {exc.message}", line)]
    except RecursionError:
        return [Problem(shown, "", "template nests too deeply", first_line)]
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
    problems.extend(_attribute_problems(ast, shown, first_line))
    return problems


def render_text(source: str, context: dict[str, Any], shown: str, first_line: int = 1) -> str:
    """Render clause or skeleton text for a profile.

    The rendered text is cached on disk as data, keyed by the source and the
    context; templates are compiled in this process only (no code is cached).
    ``context`` must not be changed once it has been used (its key is
    computed once per context object).

    Raises:
        RenderError: naming the file, line and the cause.
    """
    if "{" not in source:  # no Jinja syntax at all: nothing to render (a third of the library)
        return source
    from .. import cache

    digest = cache.key("render", source, _context_json(context))
    hit = cache.load_json("render", digest)
    if isinstance(hit, str):
        return hit
    with limits.time_limit():
        text = _render(source, context, shown, first_line)
    cache.store_json("render", digest, text)
    return text


_last_context: tuple[dict[str, Any], str] | None = None


def _context_json(context: dict[str, Any]) -> str:
    """Return the context as canonical JSON, for the cache key; once per context object.

    A document's clauses all render with the same context (built once, never
    changed: templates run in an immutable sandbox), so serialising it for
    every clause, as a batch of many profiles did, repeats the same work.
    """
    global _last_context
    if _last_context is not None and _last_context[0] is context:
        return _last_context[1]
    text = json.dumps(context, sort_keys=True, ensure_ascii=False, default=str)
    _last_context = (context, text)
    return text


def _render(source: str, context: dict[str, Any], shown: str, first_line: int) -> str:
    def fail(message: str, exc: BaseException | None = None, line: int | None = None) -> RenderError:
        if line is None:
            line = (_template_line(exc) if exc is not None else None) or 1
        return RenderError(f"Cannot render {shown}", [Problem(shown, "", message, line + first_line - 1)])

    try:
        return _compiled(source, shown).render(context)
    except jinja2.TemplateSyntaxError as exc:
        raise fail(f"template syntax error: {exc.message}", line=exc.lineno or 1) from None
    except jinja2.UndefinedError as exc:
        raise fail(f"undefined variable: {exc.message}", exc) from None
    except jinja2.exceptions.SecurityError as exc:
        raise fail(f"refused by the template sandbox: {exc}", exc) from None
    except limits.LimitExceeded as exc:
        raise fail(f"refused: the template {exc}", exc) from None
    except RecursionError as exc:
        raise fail("refused: the template nests too deeply", exc) from None
    except MemoryError as exc:
        raise fail("refused: the template needs too much memory", exc) from None
    except (TypeError, ValueError, ArithmeticError, LookupError, jinja2.TemplateError) as exc:
        raise fail(f"template error: {type(exc).__name__}: {exc}", exc) from None


@functools.lru_cache(maxsize=4096)
def _compiled(source: str, shown: str) -> jinja2.Template:
    """Compile a template once per source text in this process.

    Compiled code is never written to or read from disk (a cache folder
    anyone can write to must not be able to run code); repeat runs skip
    rendering altogether through the rendered-text cache.
    """
    template = clause_env().from_string(source)
    template.name = shown
    return template


def page_template_problem(exc: BaseException, fallback: str) -> Problem:
    """Describe an error raised by a page template (``page.html`` or a file it includes).

    Names the template file and line where Jinja knows them, else ``fallback``.
    """
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return Problem(exc.filename or fallback, "", f"template syntax error: {exc.message}", exc.lineno)
    if isinstance(exc, jinja2.TemplateNotFound):
        return Problem(fallback, "", f"names template {exc.name!r}, which is not in the templates folder")
    file, line = fallback, None
    for frame in traceback.extract_tb(exc.__traceback__):
        if frame.filename and not frame.filename.endswith(".py") and not frame.filename.startswith("<frozen"):
            file, line = frame.filename, frame.lineno
    if isinstance(exc, jinja2.UndefinedError):
        message = f"undefined variable: {exc.message}"
    elif isinstance(exc, jinja2.exceptions.SecurityError):
        message = f"refused by the template sandbox: {exc}"
    elif isinstance(exc, limits.LimitExceeded):
        message = f"refused: the template {exc}"
    else:
        message = f"template error: {type(exc).__name__}: {exc}"
    return Problem(file, "", message, line)


#: Errors a page template can raise while it renders (all become exit 2).
PAGE_ERRORS = (
    jinja2.TemplateError,
    limits.LimitExceeded,
    RecursionError,
    MemoryError,
    TypeError,
    ValueError,
    ArithmeticError,
    LookupError,
)


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
        """Return the first file named ``relative`` on the search path.

        Raises:
            LibraryError: when none has it, or the first that has it holds a
                link leading outside that templates folder, or not a regular
                file (a FIFO, a folder).
        """
        for base in self.search_path:
            candidate = base / relative
            if os.path.lexists(candidate):
                return checked_template_file(candidate, base)
        raise LibraryError(f"Template {relative} not found in {', '.join(map(str, self.search_path))}")
