"""The ``policygen`` command line: parse options, call :mod:`generator.api`, print.

This is the only module that imports click, prints, or knows exit codes:
library errors (:class:`~generator.errors.PolicyGenError`) are turned into a
message and an exit status in :class:`PolicyGenGroup.invoke`.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import PolicyGenError, UsageError
from .profile import vocabulary as V
from .tables import text_table

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Failure(click.ClickException):
    """A PolicyGenError dressed for click: its message, its exit code."""

    def __init__(self, error: PolicyGenError) -> None:
        super().__init__(error.render())
        self.exit_code = error.exit_code

    def show(self, file: Any = None) -> None:
        click.echo(f"Error: {self.message}", err=True)


class PolicyGenGroup(click.Group):
    """The one place where library errors become messages and exit codes."""

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; turn a PolicyGenError into a message and exit code."""
        try:
            return super().invoke(ctx)
        except PolicyGenError as exc:
            raise _Failure(exc) from None


class _Int(click.ParamType):
    """A whole number in a range; a bad value is reported in the house style (option, value, allowed)."""

    name = "integer"

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        """Return the number, or raise UsageError naming the option, the value and the range."""
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        else:
            try:
                number = int(str(value).strip(), 10)
            except ValueError:
                raise UsageError(
                    f"{_opt(param)}: {value!r} is not a whole number; allowed: {self.lo} to {self.hi}"
                ) from None
        if not self.lo <= number <= self.hi:
            raise UsageError(f"{_opt(param)}: {number} is out of range; allowed: {self.lo} to {self.hi}")
        return number


class _Date(click.ParamType):
    """A YYYY-MM-DD date; a bad value is reported in the house style."""

    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        """Return the date, or raise UsageError naming the option, the value and the format."""
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value).strip())
        except ValueError:
            raise UsageError(f"{_opt(param)}: {value!r} is not a date; allowed: a date written YYYY-MM-DD") from None


class _Choice(click.ParamType):
    """One of a fixed set of words, with "did you mean" for a near miss."""

    name = "choice"

    def __init__(self, choices: Sequence[str], what: str) -> None:
        self.choices, self.what = tuple(choices), what

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:  # noqa: D102
        return param.name.upper() if param.param_type_name == "argument" else "[" + "|".join(self.choices) + "]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        """Return the value, or raise UsageError naming it, a near miss and the allowed values."""
        if value in self.choices:
            return value
        from .profile import did_you_mean

        raise UsageError(
            f"{_opt(param)}: unknown {self.what} {value!r}{did_you_mean(value, self.choices)}; "
            f"allowed: {', '.join(self.choices)}"
        )


def _opt(param: click.Parameter | None) -> str:
    """Return the name a user typed for a parameter: ``--max-age``, or ``WHAT`` for an argument."""
    if param is None:
        return "value"
    if param.param_type_name == "argument":
        return (param.name or "value").upper()
    return max(param.opts, key=len)


library_option = click.option(
    "--library",
    "library_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Clause library folder to use instead of the built-in one.",
)
allow_drift_option = click.option(
    "--allow-drift",
    is_flag=True,
    help="Use a lockfile although it was written by another policygen version or with other templates "
    "(its clause texts must still match their hashes and its digest).",
)
templates_option = click.option(
    "--templates",
    "templates_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Templates folder searched before the built-in one.",
)


def _split(values: Sequence[str]) -> list[str]:
    """Accept both ``--doc tos --doc sop`` and ``--doc tos,sop``."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


@click.group(cls=PolicyGenGroup, context_settings=CONTEXT)
@click.version_option(__version__, prog_name="policygen")
def cli() -> None:
    """Assemble child-safety documents from a cited clause library.

    Describe your service once in a profile (see `policygen init`), then
    `policygen generate` writes the child-safety part of your Terms of Service,
    your internal escalation procedure (SOP) and safety-tip pages, as Markdown,
    HTML and Word files. Every document is a draft for your lawyer to review.

    \b
    Example:
        policygen generate samples/pixelpals.yaml -o out
    """


@cli.command(context_settings=CONTEXT)
@click.argument("profiles", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Folder to write into. With several profiles, each gets a subfolder named after its file.",
)
@click.option(
    "--doc",
    "docs",
    multiple=True,
    metavar="DOC",
    help="Only these documents: tos, sop, tips, records (repeat or comma-separate). "
    "Default: tos, sop and tips, and records when the profile has uk, eu or au.",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FMT",
    help="Formats: md, html, docx, pdf (repeat or comma-separate). Default: md, html, docx. "
    "pdf converts the Word document with LibreOffice, which must be installed.",
)
@click.option("--force", is_flag=True, help="Replace files that already exist in the output folder.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option(
    "--lock",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Lockfile: if it exists, generate from the exact clauses it pins; if not, write it.",
)
@allow_drift_option
@click.option(
    "--toc-pages/--no-toc-pages",
    default=None,
    help="Fill in the page numbers of the Word contents with a LibreOffice layout pass (a few seconds). "
    "Default: when LibreOffice is installed.",
)
@click.option(
    "--final",
    is_flag=True,
    help="Publishable documents: no draft banner or build details on the pages (kept in the metadata). "
    "Needs --approvals; refused unless every clause version and skeleton is approved.",
)
@click.option(
    "--approvals",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="approvals.json written by `policygen approve` (with --final).",
)
@click.option(
    "--sources/--no-sources",
    default=True,
    help="End the terms and the safety tips with a Sources annex for counsel (default). "
    "--no-sources leaves it out, for publishing; the SOP always keeps its notes and sources.",
)
@library_option
@templates_option
def generate(
    profiles: tuple[Path, ...],
    out_dir: Path,
    docs: tuple[str, ...],
    formats: tuple[str, ...],
    force: bool,
    quiet: bool,
    lock: Path | None,
    allow_drift: bool,
    toc_pages: bool | None,
    final: bool,
    approvals: Path | None,
    sources: bool,
    library_dir: Path | None,
    templates_dir: Path | None,
) -> None:
    """Write documents and manifest.json for one or more PROFILES.

    Every profile is checked and every document rendered before anything is
    written; a bad profile writes nothing. Existing files are kept unless
    --force is given. An existing --lock file must have been written by this
    policygen version with the same templates, unless --allow-drift.

    \b
    Example:
        policygen generate samples/pixelpals.yaml -o out
        policygen generate samples/*.yaml -o out --format md,html
        policygen generate profile.yaml -o out --lock policygen.lock.json
        policygen generate profile.yaml -o site --final --approvals review/approvals.json
    """
    from . import api

    doc_list = _split(docs) or None  # None: tos, sop, tips, and records for uk/eu/au
    fmt_list = _split(formats) or list(api.DEFAULT_FORMATS)
    if "pdf" in fmt_list and not quiet:
        click.echo("Converting to PDF with LibreOffice: a few seconds per profile.", err=True)
    elif "docx" in fmt_list and not quiet and api.want_toc_pages(toc_pages):
        click.echo("Laying out the Word documents with LibreOffice for their contents' page numbers.", err=True)
    bar = None
    if len(profiles) > 1 and not quiet:
        bar = click.progressbar(length=len(profiles), label="Generating", file=sys.stderr)
        bar.__enter__()
    try:
        result = api.generate(
            list(profiles),
            out_dir,
            docs=doc_list,
            formats=fmt_list,
            force=force,
            library_dir=library_dir,
            templates_dir=templates_dir,
            progress=(lambda _p: bar.update(1)) if bar is not None else None,
            lock=lock,
            allow_drift=allow_drift,
            toc_pages=toc_pages,
            final=final,
            approvals=approvals,
            sources=sources,
            keep_builds=False,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    for b in result.builds:
        for warning in b.warnings:
            click.echo(f"warning: {b.profile.source}: {warning}", err=True)
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if not quiet:
        for b in result.builds:
            click.echo(f"{b.profile.source}: {len(b.files)} files, {b.clause_count} clauses")
            _assumptions(b.assumptions)
            _to_complete(b.to_complete)
        click.echo(f"Wrote {len(result.written)} files to {result.out_dir}/")
        if final:
            click.echo("Final documents: every clause version and skeleton in them is approved in the approvals file.")
        else:
            click.echo("These are drafts: have a lawyer review them before you publish or rely on them.")


@cli.command(context_settings=CONTEXT)
@click.argument("profile", type=click.Path(path_type=Path))
@click.option("--doc", "docs", multiple=True, metavar="DOC", help="Only clauses of these documents.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--included-only", is_flag=True, help="Leave out the clauses that were not selected.")
@click.option(
    "--gaps",
    "show_gaps",
    is_flag=True,
    help="Instead: the safeguards to consider for PROFILE; exit 1 when one the law requires is stated false.",
)
@library_option
@click.pass_context
def explain(
    ctx: click.Context,
    profile: Path,
    docs: tuple[str, ...],
    as_json: bool,
    included_only: bool,
    show_gaps: bool,
    library_dir: Path | None,
) -> None:
    """Show which clauses PROFILE gets, which it does not, and the rule that decided each.

    With --gaps, list the safeguards PROFILE does not state as true that a
    code, guidance or law in its jurisdictions recommends or requires (the
    "Safeguards to consider" block of the counsel appendix). Exit status 1
    when a safeguard the law requires is stated false, so a script can check
    a product against its own terms.

    \b
    Example:
        policygen explain samples/pixelpals.yaml --doc sop
        policygen explain profile.yaml --gaps
    """
    from . import api

    if show_gaps:
        found = api.gaps(profile)
        if as_json:
            click.echo(json.dumps([g.as_json() for g in found], indent=2))
        else:
            for g in found:
                click.echo(g.line())
            if not found:
                click.echo("No safeguards to consider for this profile.")
        ctx.exit(1 if any(g.missing_required for g in found) else 0)

    wanted = _split(docs)
    api.check_choices(wanted, list(V.DOC_KINDS), "document", "--doc")
    decisions = [d for d in api.explain(profile, library_dir) if not wanted or d.clause.doc in wanted]
    if included_only:
        decisions = [d for d in decisions if d.included]
    if as_json:
        rows = [{"id": d.clause.id, "doc": d.clause.doc, "included": d.included, "reason": d.reason} for d in decisions]
        click.echo(json.dumps(rows, indent=2))
        return
    rows = [[d.clause.id, "yes" if d.included else "no", d.reason] for d in decisions]
    click.echo(text_table(["clause", "included", "why"], rows), nl=False)
    n = sum(d.included for d in decisions)
    click.echo(f"\n{n} of {len(decisions)} clauses included.")


def _terminal_width() -> int:
    """Columns of the terminal (``$COLUMNS`` first; 100 when output is not a terminal)."""
    import shutil

    return max(shutil.get_terminal_size((100, 24)).columns, 40)


LIST_WHAT = ("services", "jurisdictions", "features", "clauses", "fields", "facts", "documents")  # api.LIST_KINDS


@cli.command("list", context_settings=CONTEXT)
@click.argument("what", type=_Choice(LIST_WHAT, "list"))
@library_option
def list_(what: str, library_dir: Path | None) -> None:
    """List the vocabulary. WHAT is one of: services, jurisdictions, features, clauses, fields, facts, documents.

    `fields` is the profile reference (every field, its default and what is
    allowed); `facts` is what clause conditions can test.

    \b
    Example:
        policygen list services
        policygen list fields
    """
    from . import api

    headers, rows, note = api.vocabulary(what, library_dir)
    click.echo(text_table(headers, rows, width=_terminal_width()), nl=False)
    if note:
        click.echo(f"\n{note}")


@cli.command(context_settings=CONTEXT)
@library_option
@templates_option
@click.option(
    "--max-age",
    type=_Int(1, 36500),
    default=365,
    show_default=True,
    help="Warn when a clause's last_reviewed is older than this many days.",
)
@click.option(
    "--today",
    type=_Date(),
    default=None,
    help="Date to measure review age against (default: today).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--profile",
    "profiles",
    multiple=True,
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also check this profile's documents: each TO COMPLETE marker is a warning (an error with --strict).",
)
@click.option(
    "--no-coverage",
    is_flag=True,
    help="Skip the coverage checks (service x jurisdiction needs, dead clauses, unbacked promises).",
)
def lint(
    library_dir: Path | None,
    templates_dir: Path | None,
    max_age: int,
    today: dt.date | None,
    strict: bool,
    profiles: tuple[Path, ...],
    no_coverage: bool,
) -> None:
    """Check a clause library and report every problem with file and line.

    Checks the front-matter schema, unique ids, links between clauses,
    sections, template syntax and variables, citations and their verification
    marks, and how long ago each clause was reviewed. It also checks
    coverage: every service x jurisdiction pair gets the reporting,
    preservation, law-enforcement, minimum-age, user-reporting and help
    clauses it needs; no clause is dead (selected by no valid profile); every
    ToS promise is backed by an SOP step that implements it. Exit status: 0
    clean, 1 problems found.

    \b
    Example:
        policygen lint
        policygen lint --library my-clauses --strict
    """
    from . import api
    from .checks import lint_library
    from .errors import LintFailed

    report = lint_library(
        library_dir,
        templates_dir,
        today=today,
        max_age_days=max_age,
        coverage=not no_coverage,
    )
    for p in report.errors:
        click.echo(f"error: {p}")
    for p in report.warnings:
        click.echo(f"warning: {p}")
    markers = []
    if not report.errors:
        for path in profiles:
            for field, why in api.to_complete(path, library_dir, templates_dir):
                markers.append(f"{path}: {field}: the SOP shows 'TO COMPLETE: {field}' ({why}); fill it in")
    for m in markers:
        click.echo(f"{'error' if strict else 'warning'}: {m}")
    n = len(report.library.clauses) if report.library else 0
    n_errors = len(report.errors) + (len(markers) if strict else 0)
    n_warnings = len(report.warnings) + (0 if strict else len(markers))
    failed = report.errors or (strict and (report.warnings or markers))
    summary = f"{n} clauses, {n_errors} errors, {n_warnings} warnings"
    if failed:
        raise LintFailed(f"lint failed: {summary}")
    click.echo(f"lint passed: {summary}")


@cli.command(context_settings=CONTEXT)
@library_option
@click.option(
    "--format",
    "fmt",
    type=_Choice(["table", "md", "html", "csv"], "format"),
    default="table",
    show_default=True,
    help="Terminal table, Markdown, standalone HTML or CSV.",
)
@click.option(
    "-o", "--out", "out_file", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file instead."
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
def coverage(library_dir: Path | None, fmt: str, out_file: Path | None, force: bool) -> None:
    """Show the service x jurisdiction matrix: clauses per document, obligations, gaps.

    Each pair is the smallest profile with that one service and jurisdiction.
    A gap is a topic the pair needs (reporting and preservation for its
    jurisdiction, law-enforcement handling, minimum age, user reporting, help
    resources) that no selected clause covers. Exit status 1 when there are gaps.

    \b
    Example:
        policygen coverage
        policygen coverage --format csv -o coverage.csv
    """
    from .checks import coverage as cov
    from .errors import LintFailed
    from .library import load_library

    library = load_library(library_dir)
    cells = cov.matrix(library)
    if fmt == "table":
        click.echo("Clauses per pair as tos/sop/tips; GAP marks a missing topic.\n")
        click.echo(text_table(*cov.terminal_rows(cells)), nl=False)
        text = None
    else:
        text = cov.render_report(cells, fmt, library)
    gaps = [(c, n) for c in cells for n in c.missing]
    if text is not None:
        if out_file is None:
            click.echo(text, nl=False)
        else:
            from .output import write_file

            write_file(out_file, text.encode("utf-8"), force=force)
            click.echo(f"Wrote {out_file}")
    measure_gaps = sum(len(c.measure_gaps) for c in cells)  # counted, not (yet) failing; the md/html/csv list them
    if fmt == "table" and measure_gaps:
        click.echo(f"{measure_gaps} UK code measure gaps: measures no selected clause implements (see --format md).")
    for c, n in gaps:
        where = f" for {c.jurisdiction}" if n.local else ""
        click.echo(f"gap: {c.service} x {c.jurisdiction}: {n.doc} has no '{n.topic}' clause{where}", err=True)
    if gaps:
        raise LintFailed(f"{len(gaps)} coverage gaps")
    if fmt == "table" or out_file is not None:
        click.echo(f"\nNo gaps in {len(cells)} pairs.")


def _profiles(profiles: tuple[Path, ...], samples: Path | None) -> list[Path]:
    from . import api

    return [*profiles, *(api.profiles_in(samples) if samples else [])]


profile_options = [
    click.option(
        "-p", "--profile", "profiles", multiple=True, type=click.Path(path_type=Path), help="A profile (repeat)."
    ),
    click.option(
        "--samples", type=click.Path(path_type=Path), default=None, help="Use every *.yaml profile in this folder."
    ),
]


def _with(options: list) -> Any:
    def decorate(f: Any) -> Any:
        for option in reversed(options):
            f = option(f)
        return f

    return decorate


@cli.command(context_settings=CONTEXT)
@click.argument("old", required=False)
@click.argument("new", required=False)
@_with(profile_options)
@click.option(
    "--against",
    type=click.Path(path_type=Path),
    default=None,
    help="Compare --profile with this profile on one library (OLD, or the built-in one).",
)
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), help="Write summary and redlines here.")
@click.option("--force", is_flag=True, help="Replace files that already exist in --out.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option("--strict", is_flag=True, help="A substantive change without a clause version bump is an error.")
@allow_drift_option
@templates_option
@click.pass_context
def diff(
    ctx: click.Context,
    old: str | None,
    new: str | None,
    profiles: tuple[Path, ...],
    samples: Path | None,
    against: Path | None,
    out_dir: Path | None,
    force: bool,
    as_json: bool,
    strict: bool,
    allow_drift: bool,
    templates_dir: Path | None,
) -> None:
    """Show what changes in a profile's documents between two clause libraries.

    OLD and NEW are library folders, lockfiles from `generate --lock`
    (written by this version with the same templates, unless --allow-drift),
    or git revisions of the repository around the current folder
    (git:HEAD~1, git:main, git:REV:path/to/clauses), read without touching
    the working tree; git: needs a git clone with that history, and a git:
    side also uses the document skeletons (templates/) at that revision.
    Prints each change once, grouped by jurisdiction and obligation,
    classified substantive, needs-review, editorial (proven harmless) or
    metadata, with a suggested consequence. With -o DIR it also writes
    summary.{md,html,json} and a redline per changed document in Markdown,
    HTML and Word (native tracked changes). Exit status as diff(1): 0 no
    differences, 1 differences, 2 error; with --strict, a substantive change
    whose clause version was not raised is an error.

    \b
    Example:
        policygen diff git:HEAD~1 git:HEAD --profile samples/pixelpals.yaml
        policygen diff old-clauses clauses --samples samples -o review
        policygen diff --profile us.yaml --against us-uk.yaml
    """
    from . import api
    from .review import summary_json, summary_markdown

    chosen = _profiles(profiles, samples)
    with _bar(len(chosen), "Comparing") as step:
        reviews = api.diff(
            old,
            new,
            chosen,
            against=against,
            templates_dir=templates_dir,
            allow_drift=allow_drift,
            progress=lambda _p: step(),
        )
    results = [r.result for r in reviews]
    warnings = sorted({w for r in results for w in r.warnings()})
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    if strict and warnings:
        raise UsageError(f"{len(warnings)} substantive change(s) without a version bump (--strict)")
    if out_dir is not None:
        with _bar(len(reviews), "Writing redlines") as step:
            written = api.diff_output(reviews, out_dir, force=force, progress=step)
        click.echo(f"Wrote {len(written)} files to {out_dir}/", err=True)
    if as_json:
        click.echo(json.dumps(summary_json(results), indent=2, ensure_ascii=False))
    else:
        click.echo(summary_markdown(results), nl=False)
    ctx.exit(1 if any(r.changes for r in results) else 0)


class _bar:
    """A progress bar on a terminal (stderr); nothing otherwise."""

    def __init__(self, length: int, label: str) -> None:
        self.bar = None
        if length > 1 and sys.stderr.isatty():
            self.bar = click.progressbar(length=length, label=label, file=sys.stderr)

    def __enter__(self) -> Any:
        if self.bar is not None:
            self.bar.__enter__()
        return lambda *_a: self.bar.update(1) if self.bar is not None else None

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc)


@cli.command(context_settings=CONTEXT)
@click.argument("old")
@click.argument("new")
@_with(profile_options)
@click.option("-o", "--out", "out_dir", type=click.Path(path_type=Path), required=True, help="Folder for the packet.")
@click.option("--force", is_flag=True, help="Replace an earlier packet in --out (files policygen did not write stay).")
@click.option(
    "--max-age",
    type=_Int(1, 36500),
    default=365,
    show_default=True,
    help="List clauses whose last_reviewed is older than this many days.",
)
@click.option("--today", type=_Date(), default=None, help="Date for --max-age (default: today).")
@click.option("--strict", is_flag=True, help="A substantive change without a clause version bump is an error.")
@allow_drift_option
@templates_option
@click.pass_context
def review(
    ctx: click.Context,
    old: str,
    new: str,
    profiles: tuple[Path, ...],
    samples: Path | None,
    out_dir: Path,
    force: bool,
    max_age: int,
    today: dt.date | None,
    strict: bool,
    allow_drift: bool,
    templates_dir: Path | None,
) -> None:
    """Write a review packet for counsel: everything that changed from OLD to NEW.

    The folder holds the summary (Markdown, HTML, JSON: each change once,
    grouped by jurisdiction and obligation), redlines for every affected
    profile and document (Markdown, HTML, Word with tracked changes and a
    comment per change), the impact matrix (impact.csv, impact.md), the
    citations that changed, and the clauses due for review. OLD and NEW are
    as for `diff` (git: needs a git clone). Counsel then signs off with
    `policygen approve`. Exit status: 0 no differences, 1 differences, 2 error.

    \b
    Example:
        policygen review git:HEAD~1 git:HEAD --samples samples -o review-packet
        policygen review old-clauses clauses --samples samples -o review-packet --force
    """
    from . import api

    chosen = _profiles(profiles, samples)
    with _bar(2 * len(chosen), "Reviewing") as step:
        reviews, written = api.review_packet(
            old,
            new,
            chosen,
            out_dir,
            force=force,
            templates_dir=templates_dir,
            today=today,
            max_age_days=max_age,
            allow_drift=allow_drift,
            progress=lambda _what: step(),
        )
    warnings = sorted({w for r in reviews for w in r.result.warnings()})
    for w in warnings:
        click.echo(f"warning: {w}", err=True)
    if strict and warnings:
        raise UsageError(f"{len(warnings)} substantive change(s) without a version bump (--strict)")
    changed = [r for r in reviews if r.redlines]
    click.echo(f"{len(changed)} of {len(reviews)} profiles change. Wrote {len(written)} files to {out_dir}/")
    ctx.exit(1 if any(r.result.changes for r in reviews) else 0)


@cli.command(context_settings=CONTEXT)
@click.argument("review_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--by", "by", required=True, help="Name of the person approving (e.g. counsel).")
@click.option("--note", default=None, help="A note kept with each approval.")
@click.option("--date", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Approval date (default: today).")
def approve(review_dir: Path, by: str, note: str | None, date: dt.datetime | None) -> None:
    """Record counsel's sign-off of a review packet in REVIEW_DIR/approvals.json.

    One entry per clause version and document skeleton the packet covers:
    clause id, version, hash, approver, date and note (schema in
    docs/diff-format.md). `generate --final --approvals REVIEW_DIR/approvals.json`
    then publishes only approved text.

    \b
    Example:
        policygen review git:HEAD~1 git:HEAD --samples samples -o review
        policygen approve review --by "A. Counsel" --note "Reviewed for the March release"
    """
    from . import api

    added = api.approve(review_dir, by, note=note, today=date.date() if date else None)
    click.echo(f"Recorded {added} approval(s) in {review_dir / 'approvals.json'}")


@cli.command(context_settings=CONTEXT)
@click.argument("edited", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-p",
    "--profile",
    "profile",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The profile the document was generated from.",
)
@library_option
@click.option(
    "-o", "--out", "out_dir", type=click.Path(path_type=Path), help="Write one patch per clause and the summary here."
)
@click.option("--apply", is_flag=True, help="Write the patched clause files into the library (patch version bumped).")
@click.option("--force", is_flag=True, help="Replace files that already exist in --out.")
@templates_option
def absorb(
    edited: Path,
    profile: Path,
    library_dir: Path | None,
    out_dir: Path | None,
    apply: bool,
    force: bool,
    templates_dir: Path | None,
) -> None:
    """Bring counsel's edits to a generated Word document back into the clause library.

    Reads EDITED.docx (tracked changes, comments or plain edits), maps each
    edit to its clause by the markers `generate` embeds, and prints the
    summary. Edits to generated values (the company name, a contact) are
    reported, never patched; see "Counsel edits in Word" in the README.

    \b
    Example:
        policygen absorb tos-edited.docx -p profile.yaml -o patches
        policygen absorb tos-edited.docx -p profile.yaml --apply
    """
    from . import api

    outcome = api.absorb(
        edited, profile, library_dir, out_dir=out_dir, apply=apply, force=force, templates_dir=templates_dir
    )
    click.echo(outcome.summary, nl=False)
    if outcome.written:
        click.echo(f"Wrote {len(outcome.written)} files.")


_INIT_FLAGS = [
    ("name", "Company name shown in the documents."),
    ("legal-name", "Legal entity name (default: the name)."),
    ("country", "Country where the company is established: a name or ISO code (gb, us, de)."),
    ("website", "Public website, http:// or https://, or none."),
    ("safety-email", "Where users send safety reports."),
    ("legal-email", "Legal contact (default: the safety address)."),
    ("law-enforcement-email", "Law-enforcement requests (default: the legal address)."),
    ("service", "Service types, e.g. photo-sharing,messaging (repeat or comma-separate)."),
    ("jurisdiction", "Where the service operates: us, eu, uk, au, ca or names such as 'United Kingdom'."),
    ("minimum-age", "Youngest age allowed (5-21)."),
    ("parental-consent", "yes/no: verifiable parental consent is collected (asked when minimum age is under 13)."),
    ("age-assurance", "How age is checked: none, self-declaration, estimation, verification."),
    ("feature", "Features on or off: NAME or NAME=yes|no, comma lists, e.g. livestream,payments=no."),
    ("no-feature", "Turn features off: NAME (repeat or comma-separate)."),
    ("age-for", "Per-feature minimum ages: FEATURE=AGE, e.g. livestream=18,payments=18."),
    ("hash-matching", "Hash-matching tools: photodna, pdq, safer, csai-match, or none."),
    ("url-lists", "URL block lists: iwf or none."),
    ("text-classifiers", "yes/no: text classifiers for grooming or exploitation."),
    ("safeguard", "Safeguards: NAME=yes|no|unknown, comma lists, e.g. report_button=yes,block_users=yes."),
    ("determination", "Determinations: NAME=yes|no|undecided, e.g. eu_micro_or_small=yes."),
    ("ncmec-esp-id", "Our NCMEC CyberTipline reporter (ESP) id, once registered (us), or none."),
    ("nca-administrator", "Our NCA reporting-portal organisation administrator and replacement (uk), or none."),
    ("police-ca", "Canadian police contact for s.3 notifications (ca), or none."),
    ("police-au", "Australian police (AFP) contact for referrals (au), or none."),
    ("eu-authority", "EU law-enforcement contact for DSA Art 18 notifications (eu), or none."),
    ("eu-legal-representative", "Our DSA legal representative, if not established in the EU (eu), or none."),
    ("team-size", "Who handles trust and safety: solo, small, dedicated."),
    ("document-version", "Version of the documents shown on the cover and in footers (default 1.0)."),
    ("paper", "Paper size: a4 or letter (default: letter for us or ca, else a4)."),
    ("effective-date", "Date the documents take effect, YYYY-MM-DD, or none."),
    ("governing-law", "Governing law named in the terms, or none."),
]


def _init_options(f: Any) -> Any:
    for flag, text in reversed(_INIT_FLAGS):
        f = click.option(f"--{flag}", f"opt_{flag.replace('-', '_')}", multiple=True, metavar="VALUE", help=text)(f)
    return f


@cli.command(context_settings=CONTEXT)
@click.argument("path", type=click.Path(path_type=Path), default=Path("profile.yaml"))
@_init_options
@click.option("--no-input", is_flag=True, help="Never prompt; list every missing answer, by flag, and write nothing.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@click.option("-q", "--quiet", is_flag=True, help="Do not print what the documents assume.")
def init(path: Path, no_input: bool, force: bool, quiet: bool, **opts: tuple[str, ...]) -> None:
    """Write a company profile to PATH by asking every question (or from flags).

    Each answer is checked as it is typed, with a "did you mean" hint, and
    asked again when it is wrong. Every question has a flag, and flags take
    the same comma lists as the prompts. With --no-input nothing is asked:
    every missing answer is listed at once, by flag. The profile states every
    answer, including the features your services imply, with a comment each.

    \b
    Example:
        policygen init pixelpals.yaml
        policygen init p.yaml --no-input --name PixelPals \\
            --safety-email safety@pixelpals.example \\
            --service photo-sharing --jurisdiction "United Kingdom"
    """
    from .library.guidance import assumptions
    from .profile import load_profile
    from .profile import questions as Q

    if (path.is_symlink() or path.exists()) and not force:  # a link counts, even a dangling one
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    given, problems = Q.flag_answers({k.removeprefix("opt_").replace("_", "-"): list(v) for k, v in opts.items()})
    if problems:
        raise UsageError("Cannot write the profile:\n" + "\n".join(problems))

    def ask(prompt: str, default: str | None) -> str:
        return click.prompt(prompt, default=default, show_default=default is not None)

    answers, comments = Q.run(given, None if no_input else ask, lambda m: click.echo(m, err=True))
    text = Q.profile_text(answers, comments)
    from .output import write_file

    write_file(path, text.encode("utf-8"), force=force)
    click.echo(f"Wrote {path}. Next: policygen generate {path} -o out")
    if not quiet:
        _assumptions(assumptions(load_profile(path)))


def _to_complete(items: list[tuple[str, str]]) -> None:
    if not items:
        return
    click.echo("TO COMPLETE: the documents show these markers until you fill in these profile fields:")
    for field, why in items:
        click.echo(f"  - {field}" + (f": {why}" if why else ""))


def _assumptions(items: list[str]) -> None:
    """Print the "what these documents assume" list."""
    if not items:
        return
    click.echo("What these documents assume (state them in the profile to change this):")
    for item in items:
        click.echo(f"  - {item}")


def main() -> None:
    """Console-script entry point.

    SIGTERM is handled like Ctrl-C: the run stops, what it staged is
    removed, and the output folder keeps its previous files (exit 130).
    """
    import signal

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = cli(prog_name="policygen", standalone_mode=False)
    except KeyboardInterrupt:
        click.echo(_interrupted(), err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:  # click's form of Ctrl-C, SIGTERM or end of input
        click.echo(_interrupted(), err=True)
        sys.exit(130)
    except Exception as exc:
        if not _from_interrupt(exc):
            raise
        # Ctrl-C or SIGTERM while a module was being imported: Python wraps the
        # KeyboardInterrupt (e.g. in a RuntimeError from a dataclass); still an interruption.
        click.echo(_interrupted(), err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def run() -> None:
    """Run the ``policygen`` program: :func:`main`, then :func:`_quick_exit` (``python -m generator``: main only)."""
    try:
        main()
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    if code is not None and not isinstance(code, int):  # sys.exit("message"): printed, exit 1
        click.echo(code, err=True)
        code = 1
    _quick_exit(code or 0)


def _quick_exit(code: int) -> None:
    """End a finished run without Python tearing down every module and object (a few hundredths of a second).

    The exit handlers still run first, as at any exit (the cache writes its entries, temporary folders
    go), and the output streams are flushed.
    """
    import atexit
    import contextlib
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (policygen ... | head)
            stream.flush()
    os._exit(code)


def _from_interrupt(exc: BaseException) -> bool:
    """Whether an exception was caused, directly or down its chain, by a KeyboardInterrupt."""
    seen = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def _interrupted() -> str:
    """Say what an interrupted run left: nothing, or (signal after the final swap) every file."""
    from .output import written_in_this_process

    written = written_in_this_process()
    if not written:
        return "Interrupted; no output was written or changed."
    return f"Interrupted after the output was complete: {len(written)} file(s) written, starting with {written[0]}."
