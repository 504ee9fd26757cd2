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
    help="Only these documents: tos, sop, tips (repeat or comma-separate). Default: all.",
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
    final: bool,
    approvals: Path | None,
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

    doc_list = _split(docs) or list(api.ALL_DOCS)
    fmt_list = _split(formats) or list(api.DEFAULT_FORMATS)
    if "pdf" in fmt_list and not quiet:
        click.echo("Converting to PDF with LibreOffice: a few seconds per profile.", err=True)
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
            final=final,
            approvals=approvals,
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if not quiet:
        for b in result.builds:
            n = sum(1 for d in b.decisions if d.included)
            click.echo(f"{b.profile.source}: {len(b.files)} files, {n} clauses")
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
@library_option
def explain(
    profile: Path,
    docs: tuple[str, ...],
    as_json: bool,
    included_only: bool,
    library_dir: Path | None,
) -> None:
    """Show which clauses PROFILE gets, which it does not, and the rule that decided each.

    \b
    Example:
        policygen explain samples/pixelpals.yaml --doc sop
    """
    from . import api

    wanted = _split(docs)
    for d in wanted:
        if d not in V.DOC_KINDS:
            raise UsageError(f"Unknown document {d!r}; allowed: {', '.join(V.DOC_KINDS)}")
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


LIST_WHAT = ("services", "jurisdictions", "features", "clauses", "fields", "facts", "documents")


@cli.command("list", context_settings=CONTEXT)
@click.argument("what", type=click.Choice(LIST_WHAT))
@library_option
def list_(what: str, library_dir: Path | None) -> None:
    """List the vocabulary: services, jurisdictions, features, clauses, fields, facts, documents.

    `fields` is the profile reference (every field, its default and what is
    allowed); `facts` is what clause conditions can test.

    \b
    Example:
        policygen list services
        policygen list fields
    """
    from . import api

    headers, rows, note = api.vocabulary(what, library_dir)
    click.echo(text_table(headers, rows), nl=False)
    if note:
        click.echo(f"\n{note}")


@cli.command(context_settings=CONTEXT)
@library_option
@templates_option
@click.option(
    "--max-age",
    type=click.IntRange(1, 36500),
    default=365,
    show_default=True,
    help="Warn when a clause's last_reviewed is older than this many days.",
)
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date to measure review age against (default: today).",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option(
    "--no-coverage",
    is_flag=True,
    help="Skip the coverage checks (service x jurisdiction needs, dead clauses, unbacked promises).",
)
def lint(
    library_dir: Path | None,
    templates_dir: Path | None,
    max_age: int,
    today: dt.datetime | None,
    strict: bool,
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
    from .checks import lint_library
    from .errors import LintFailed

    report = lint_library(
        library_dir,
        templates_dir,
        today=today.date() if today else None,
        max_age_days=max_age,
        coverage=not no_coverage,
    )
    for p in report.errors:
        click.echo(f"error: {p}")
    for p in report.warnings:
        click.echo(f"warning: {p}")
    n = len(report.library.clauses) if report.library else 0
    failed = report.errors or (strict and report.warnings)
    summary = f"{n} clauses, {len(report.errors)} errors, {len(report.warnings)} warnings"
    if failed:
        raise LintFailed(f"lint failed: {summary}")
    click.echo(f"lint passed: {summary}")


@cli.command(context_settings=CONTEXT)
@library_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "md", "html", "csv"]),
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
    from .errors import LintFailed, OutputError
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
            if out_file.exists() and not force:
                raise OutputError(f"{out_file} exists; use --force to replace it")
            out_file.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {out_file}")
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
    type=click.IntRange(1, 36500),
    default=365,
    show_default=True,
    help="List clauses whose last_reviewed is older than this many days.",
)
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Date for --max-age (default: today).")
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
    today: dt.datetime | None,
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
            today=today.date() if today else None,
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
@click.argument("path", type=click.Path(path_type=Path), default=Path("profile.yaml"))
@click.option("--name", help="Company name shown in the documents.")
@click.option("--safety-email", help="Where users send safety reports.")
@click.option("--legal-email", help="Legal contact (default: the safety address).")
@click.option("--website", help="Public website, http:// or https://.")
@click.option(
    "--service",
    "services",
    multiple=True,
    metavar="ID",
    help="A service type (repeat). See `list services`.",
)
@click.option("--jurisdiction", "jurisdictions", multiple=True, metavar="ID", help="A jurisdiction (repeat).")
@click.option("--minimum-age", type=int, help="Youngest age allowed (5-21).")
@click.option("--age-assurance", type=click.Choice(list(V.AGE_ASSURANCE)), help="How age is checked.")
@click.option("--team-size", type=click.Choice(list(V.TEAM_SIZES)), help="Who handles trust and safety.")
@click.option("--feature", "features_on", multiple=True, metavar="NAME", help="Turn a feature on (repeat).")
@click.option(
    "--no-feature",
    "features_off",
    multiple=True,
    metavar="NAME",
    help="Turn a feature off (repeat).",
)
@click.option("--no-input", is_flag=True, help="Never prompt; fail if a required answer is missing.")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
def init(
    path: Path,
    name: str | None,
    safety_email: str | None,
    legal_email: str | None,
    website: str | None,
    services: tuple[str, ...],
    jurisdictions: tuple[str, ...],
    minimum_age: int | None,
    age_assurance: str | None,
    team_size: str | None,
    features_on: tuple[str, ...],
    features_off: tuple[str, ...],
    no_input: bool,
    force: bool,
) -> None:
    """Write a company profile to PATH by asking questions (or from flags).

    Every question has a flag, so the command can be scripted. The answers are
    validated before anything is written.

    \b
    Example:
        policygen init pixelpals.yaml
        policygen init p.yaml --no-input --name PixelPals \\
            --safety-email safety@pixelpals.example \\
            --service photo-sharing --jurisdiction us
    """
    from .profile import profile_yaml

    if path.exists() and not force:
        raise UsageError(f"{path} already exists; use --force to overwrite it")
    interactive = not no_input
    unknown = [f for f in (*features_on, *features_off) if f not in V.FEATURES]
    if unknown:
        from .profile import did_you_mean

        raise UsageError(
            f"Unknown feature {unknown[0]!r}; see `policygen list features`" + did_you_mean(unknown[0], V.FEATURES)
        )

    def ask(value: Any, prompt: str, **kw: Any) -> Any:
        if value is not None and value != ():
            return value
        if not interactive:
            if "default" in kw:
                return kw["default"]
            raise UsageError(f"--no-input needs an answer for: {prompt}")
        return click.prompt(prompt, **kw)

    name = ask(name, "Company name")
    safety_email = ask(safety_email, "Email address for safety reports")
    services = services or tuple(_split([ask(None, f"Service types, comma-separated ({', '.join(V.SERVICES)})")]))
    jurisdictions = jurisdictions or tuple(
        _split(
            [
                ask(
                    None,
                    f"Jurisdictions, comma-separated ({', '.join(V.JURISDICTIONS)})",
                    default="us",
                )
            ]
        )
    )
    minimum_age = ask(minimum_age, "Minimum age of users", default=13, type=click.IntRange(5, 21))
    age_assurance = ask(
        age_assurance,
        "How is age checked",
        default="self-declaration",
        type=click.Choice(list(V.AGE_ASSURANCE)),
    )
    team_size = ask(
        team_size,
        "Who handles trust and safety",
        default="small",
        type=click.Choice(list(V.TEAM_SIZES)),
    )
    answers: dict[str, Any] = {"company": {"name": name, "contact": {"safety": safety_email}}}
    if legal_email:
        answers["company"]["contact"]["legal"] = legal_email
    if website:
        answers["company"]["website"] = website
    answers["services"] = list(services)
    answers["jurisdictions"] = list(jurisdictions)
    answers["audience"] = {"minimum_age": minimum_age, "age_assurance": age_assurance}
    if minimum_age < 13:
        answers["audience"]["parental_consent"] = True
    feats = {f: True for f in features_on}
    feats.update({f: False for f in features_off})
    if feats:
        answers["features"] = feats
    answers["team"] = {"size": team_size}
    text = profile_yaml(answers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"Wrote {path}. Next: policygen generate {path} -o out")


def main() -> None:
    """Console-script entry point.

    SIGTERM is handled like Ctrl-C: the run stops, its staging folder is
    removed, and no partial document is left behind (exit 130).
    """
    import signal

    def _terminate(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _terminate)
    try:
        code = cli(prog_name="policygen", standalone_mode=False)
    except KeyboardInterrupt:
        click.echo("Interrupted; no output was written or changed.", err=True)
        sys.exit(130)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:  # click's form of Ctrl-C, SIGTERM or end of input
        click.echo("Interrupted; no output was written or changed.", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
