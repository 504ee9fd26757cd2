"""Hostile profiles and clause text (issue 10, items 3, 5, 11, 12 (profiles) and 16).

Each test drives the CLI end to end where the issue asks for it, and each one
fails on the code before the fix it covers.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import markdown
import pytest
from click.testing import CliRunner
from conftest import MINIMAL, REPO, clause, make_library

from generator.cli import cli

FIX = REPO / "tests" / "fixtures" / "diff"
#: A profile that sets every company field (BoxDrop: EU, US, Canada; distinct contacts; a governing law).
BOX = (REPO / "samples" / "boxdrop.yaml").read_text(encoding="utf-8")


def run(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_clean_exit_2(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for needle in needles:
        assert needle in result.output, (needle, result.output)


def docx_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))


# -- item 3: only https, http, mailto, tel links and #anchors ------------------------------------

SAFETY = "safety@pixelpals.example"  # MINIMAL's contact: a link to it is no hard-coded address
BAD_LINKS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "<java\tscript:alert(1)>",
    " javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    "file:///etc/passwd",
    "//evil.example/x",
    "java&#x09;script:alert(1)",
]


@pytest.mark.parametrize("target", BAD_LINKS)
def test_unsafe_link_in_a_clause_is_plain_text_in_every_format_and_a_lint_error(tmp_path: Path, target: str) -> None:
    body = f"Read [the guide]({target}) or [our page](https://ok.example/help) or [us](mailto:{SAFETY})."
    lib = make_library(tmp_path / "lib", {"tos/evil.md": clause("tos.prohibited.evil", body)})
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    out = tmp_path / "out"
    result = run("generate", profile, "-o", out, "--library", lib, "--format", "md,html,docx")
    assert result.exit_code == 0, result.output
    html = (out / "tos.html").read_text()
    md = (out / "tos.md").read_text()
    docx = docx_xml((out / "tos.docx").read_bytes())
    for text in (html, md, docx):
        assert "the guide" in text
        low = re.sub(r"\s", "", text.lower())
        for scheme in ("javascript:", "vbscript:", "data:text", "file:", "//evil"):
            assert scheme not in low, (scheme, target)
    assert '<a href="https://ok.example/help">our page</a>' in html
    assert f'<a href="mailto:{SAFETY}">us</a>' in html
    assert "[our page](https://ok.example/help)" in md
    # The Markdown output renders without a live link too.
    assert "href" not in markdown.markdown(md.split("the guide")[0][-200:] + "the guide")

    result = run("lint", "--library", lib, "--no-coverage")
    assert result.exit_code != 0, result.output
    errors = [line for line in result.output.splitlines() if "evil.md" in line and "is not allowed" in line]
    assert errors, result.output
    assert "https:, http:, mailto: and tel:" in errors[0]


def test_safe_links_and_anchors_stay_links_and_lint_clean(tmp_path: Path) -> None:
    body = f"See [a](https://a.example/), [b](HTTP://b.example), [c](mailto:{SAFETY}), [d](tel:+441234), [e](#top)."
    lib = make_library(tmp_path / "lib", {"tos/fine.md": clause("tos.prohibited.fine", body)})
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    result = run("generate", profile, "-o", tmp_path / "out", "--library", lib, "--format", "html")
    assert result.exit_code == 0, result.output
    html = (tmp_path / "out" / "tos.html").read_text()
    for href in ("https://a.example/", "HTTP://b.example", f"mailto:{SAFETY}", "tel:+441234", "#top"):
        assert f'href="{href}"' in html
    result = run("lint", "--library", lib, "--no-coverage")
    assert "is not allowed" not in result.output


@pytest.mark.parametrize(
    ("href", "ok"),
    [
        ("https://x.example/a", True),
        ("mailto:a@b.example", True),
        ("tel:+1", True),
        ("#s1", True),
        ("javascript:alert(1)", False),
        ("JAVASCRIPT:alert(1)", False),
        ("java\nscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("javascript\u200b:alert(1)", False),
        ("https:evil.example", False),
        ("//evil.example", False),
        ("relative/page.html", False),
        ("mailto:", False),
        ("", False),
    ],
)
def test_safe_href(href: str, ok: bool) -> None:
    from generator.documents import safe_href

    assert (safe_href(href) == href) is ok
    if not ok:
        assert safe_href(href) is None


# -- item 5: review Markdown escapes every value from input -------------------------------------

HOSTILE_NAMES = [
    "<img src=x onerror=alert(1)>",
    "<!-- hidden",
    "[x](javascript:alert(1))",
    "--><img src=y onerror=alert(2)>",
]


def _live_markup(md_text: str) -> list[str]:
    # A redline starts with one comment line naming its inputs; it must end on that line.
    md_text = re.sub(r"\A<!-- [^>\n]* -->\n", "", md_text)
    html = markdown.markdown(md_text)  # raw HTML passes through, as on most Markdown hosts
    return [m for m in ("<img", "<!--", 'href="javascript') if m in html]


def _hostile_profiles(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i, name in enumerate(HOSTILE_NAMES):
        path = folder / f"{name}.yaml"
        text = BOX if i % 2 else BOX.replace("jurisdictions: [eu, us, ca]", "jurisdictions: [eu, us, uk]")
        path.write_text(text)
        paths.append(path)
    return paths


def test_diff_summary_and_stdout_escape_profile_names(tmp_path: Path) -> None:
    a, b, c, d = _hostile_profiles(tmp_path / "p")
    out = tmp_path / "out"
    result = run("diff", "--profile", a, "--against", b, "-o", out)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    stdout = run("diff", "--profile", c, "--against", d).output
    for text in (result.output, stdout, *(p.read_text() for p in out.rglob("*.md"))):
        assert _live_markup(text) == [], text[:500]
    summary = (out / "summary.md").read_text()
    assert "\\<img src=x onerror=alert(1)\\>" in summary
    assert "changes:" in markdown.markdown(summary)  # nothing after the name is hidden
    assert "\\[x\\](javascript:alert(1))" in stdout
    redline = (out / "redline" / "tos.md").read_text()
    assert redline.count("-->") == 1 and "Child Safety Terms" in markdown.markdown(redline)


def test_review_packet_markdown_escapes_profile_names(tmp_path: Path) -> None:
    _hostile_profiles(tmp_path / "samples")
    out = tmp_path / "packet"
    result = run("review", FIX / "v1", FIX / "v2", "--samples", tmp_path / "samples", "-o", out)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert _live_markup(result.output) == []
    for path in out.rglob("*.md"):
        assert _live_markup(path.read_text()) == [], (path.name, path.read_text()[:500])
    impact = (out / "impact.md").read_text()
    assert "\\<img src=x onerror=alert(1)\\>" in impact
    rows = [line for line in impact.splitlines() if line.startswith("|")]
    assert rows and {len(re.split(r"(?<!\\)\|", row)) for row in rows} == {len(re.split(r"\|", rows[0]))}


@pytest.mark.parametrize("target", ["javascript:alert(1)", "data:text/html;base64,PHNjcmlwdD4=", "//evil.example/x"])
def test_redlines_never_carry_an_unsafe_link(tmp_path: Path, target: str) -> None:
    """A link target is shown in the redlines as the documents show it: an unsafe one is plain text, in every format."""
    old_body = "Read [the guide](https://ok.example/help) today."
    new_body = f"Read [the guide]({target}) or [our page](https://ok.example/help2) today."
    old = make_library(tmp_path / "old", {"tos/g.md": clause("tos.prohibited.guide", old_body)})
    new = make_library(tmp_path / "new", {"tos/g.md": clause("tos.prohibited.guide", new_body)})
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    out = tmp_path / "out"
    result = run("diff", old, new, "--profile", profile, "-o", out)
    assert result.exit_code == 1, result.output
    md = (out / "redline" / "tos.md").read_text()
    html = (out / "redline" / "tos.html").read_text()
    docx = docx_xml((out / "redline" / "tos.docx").read_bytes())
    for text in (md, html, docx, markdown.markdown(md)):
        low = re.sub(r"\s", "", text.lower())
        for scheme in ("javascript:", "data:text", "//evil"):
            assert scheme not in low.replace("https://", "").replace("http://", ""), (scheme, target)
    assert '<a href="https://ok.example/help2">' in html  # safe links stay links, and their change shows
    assert "(https://ok.example/help2)" in md


def test_review_packet_impact_files_neutralise_formulas_and_hidden_characters(tmp_path: Path) -> None:
    """impact.csv is opened in spreadsheets: a profile name is never a formula; impact.md shows hidden characters."""
    samples = tmp_path / "samples"
    samples.mkdir()
    for name in ("=HYPERLINK(1)", "@SUM(1)", "a\u200bb|c"):
        (samples / f"{name}.yaml").write_text(BOX)
    out = tmp_path / "packet"
    result = run("review", FIX / "v1", FIX / "v2", "--samples", samples, "-o", out)
    assert result.exit_code == 1, result.output
    cells = [row.split(",")[0] for row in (out / "impact.csv").read_text().splitlines()[1:]]
    assert cells and not any(c.startswith(("=", "@", "+", "-")) for c in cells), cells
    assert "'=HYPERLINK(1)" in cells
    impact = (out / "impact.md").read_text()
    assert "a\u200bb" not in impact and "aU+200Bb\\|c" in impact
    summary = (out / "summary.md").read_text()
    assert "\u200b" not in summary and "aU+200Bb|c" in summary


# -- item 11: noncharacters, controls and bidi overrides in profile text -----------------------

BAD_CHARS = ["\ufffe", "\uffff", "\U0001fffe", "\U0010ffff", "\ufdd0", "\x07", "\x85", "\u202e", "\u2066", "\u2069"]


@pytest.mark.parametrize("char", BAD_CHARS, ids=[f"U+{ord(c):04X}" for c in BAD_CHARS])
@pytest.mark.parametrize("field", ["name", "legal_name"])
def test_bad_characters_in_profile_text_exit_2_naming_field_and_code_point(
    tmp_path: Path, char: str, field: str
) -> None:
    escaped = f"\\U{ord(char):08X}"
    text = BOX.replace(f"  {field}: ", f'  {field}: "A{escaped}B" #', 1)
    profile = tmp_path / "p.yaml"
    profile.write_text(text)
    out = tmp_path / "out"
    result = run("generate", profile, "-o", out)
    assert_clean_exit_2(result, f"company.{field}", f"U+{ord(char):04X}", "p.yaml")
    assert not out.exists()


def test_governing_law_with_a_noncharacter_is_refused(tmp_path: Path) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(BOX.replace("governing_law: Germany", 'governing_law: "Germ\\uFFFFany"'))
    assert_clean_exit_2(run("generate", profile, "-o", tmp_path / "o"), "governing_law", "U+FFFF")


@pytest.mark.parametrize("char", ["\ufffe", "\uffff", "\u202d"])
def test_library_name_with_a_bad_character_exits_2(tmp_path: Path, char: str) -> None:
    lib = make_library(tmp_path / "lib")
    (lib / "library.yaml").write_text(f'name: "Lib\\U{ord(char):08X}"\nversion: 1.2.3\n')
    profile = tmp_path / "p.yaml"
    profile.write_text(BOX)
    result = run("generate", profile, "-o", tmp_path / "o", "--library", lib)
    assert_clean_exit_2(result, "library.yaml", "name", f"U+{ord(char):04X}")


def test_text_problem_allows_ordinary_unicode_and_line_breaks_where_multiline() -> None:
    from generator.profile.schema import text_problem

    assert text_problem("Ünïcödé 日本 😀 \u200d\ue000") is None
    assert text_problem("a\nb", multiline=True) is None
    assert "U+000A" in (text_problem("a\nb") or "")
    assert "U+D800" in (text_problem("\ud800") or "")


# -- item 12 (profile half): deep nesting ----------------------------------------------------------


@pytest.mark.parametrize("depth", [80, 990, 3000])
def test_deeply_nested_features_exit_2(tmp_path: Path, depth: int) -> None:
    profile = tmp_path / "p.yaml"
    profile.write_text(
        BOX.replace("features:\n  public_content: true\n", "") + "features: " + "[" * depth + "]" * depth + "\n"
    )
    result = run("generate", profile, "-o", tmp_path / "o")
    assert_clean_exit_2(result, "p.yaml", "nest")


def test_deeply_nested_block_mappings_exit_2(tmp_path: Path) -> None:
    lines = ["company:"] + ["  " * i + f"k{i}:" for i in range(1, 200)] + ["  " * 200 + "x: 1"]
    profile = tmp_path / "p.yaml"
    profile.write_text("\n".join(lines) + "\n")
    assert_clean_exit_2(run("generate", profile, "-o", tmp_path / "o"), "p.yaml", "nested more than")


# -- item 16: one definition of an email and a URL -------------------------------------------------

GOOD_EMAILS = [
    "o'neil@p.example",
    "a@p.x",
    "!#$%&'*+-/=?^_`{|}~@p.example",
    *(f"a{c}b@p.example" for c in "!#$&'*/=?^`{|}~"),
    "first.last@sub.p.example",
    "x@p-q.example",
]


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_rfc5322_emails_pass_schema_and_generate(tmp_path: Path, email: str) -> None:
    import json

    text = BOX.replace("safety: abuse@boxdrop.example", f"safety: {json.dumps(email)}")
    text = text.replace("legal: legal@boxdrop.example", f"legal: {json.dumps('legal.' + email)}")
    profile = tmp_path / "p.yaml"
    profile.write_text(text)
    out = tmp_path / "out"
    result = run("generate", profile, "-o", out, "--format", "md")
    assert result.exit_code == 0, result.output
    assert "contradict" not in result.output
    assert email.replace("*", "\\*").replace("_", "\\_").replace("`", "\\`") in (out / "tips.md").read_text()


@pytest.mark.parametrize(
    ("email", "why"),
    [
        ("a@10.0.0.1", "IP address"),
        ("a@[10.0.0.1]", "IP address"),
        ("a@p", "not a domain name"),
        (".a@p.example", "dot"),
        ("a..b@p.example", "dot"),
        ('"a b"@p.example', "quoted"),
        ("a(b)@p.example", "cannot use"),
        ("no-at-sign", "not an email address"),
    ],
)
def test_invalid_emails_are_refused_with_a_reason(tmp_path: Path, email: str, why: str) -> None:
    import json

    profile = tmp_path / "p.yaml"
    profile.write_text(BOX.replace("safety: abuse@boxdrop.example", f"safety: {json.dumps(email)}"))
    assert_clean_exit_2(run("generate", profile, "-o", tmp_path / "o"), "company.contact.safety", why)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://p.example", True),
        ("HTTP://P.Example:8080/a/b?c=d&e=f#g", True),
        ("https://p.example/a(b)_c'd*e", True),
        ("https://p.x/", True),
        ("http://10.0.0.1/", False),
        ("https://[::1]/", False),
        ("https://user:pw@p.example/", False),
        ("https://p/", False),
        ("https://p.example:0/", False),
        ("ftp://p.example/", False),
        ("https://p.example/a b", False),
        ("https://p.example/é", False),
    ],
)
def test_url_grammar(url: str, ok: bool) -> None:
    from generator.profile.schema import url_problem

    assert (url_problem(url) is None) is ok


@pytest.mark.parametrize("email", GOOD_EMAILS)
def test_scanning_finds_every_accepted_email_whole(email: str) -> None:
    from generator.profile.schema import email_problem, find_emails, find_value

    assert email_problem(email) is None
    for text in (f"Mail {email}.", f"({email})", f"{email}, or", f'"{email}"'):
        spans = find_value(text, email, email=True)
        assert [text[s:e] for s, e in spans] == [email], text
    assert find_emails(f"write to {email} now") == [email]


def test_scanning_urls_stops_at_sentence_punctuation() -> None:
    from generator.profile.schema import find_urls, find_value

    text = "See https://p.example/a. Or (https://q.example/b) or https://r.example/c(d)."
    assert find_urls(text) == ["https://p.example/a", "https://q.example/b", "https://r.example/c(d)"]
    assert find_value("at https://p.example/, then", "https://p.example/", email=False)
    assert not find_value("at https://p.example/x", "https://p.example/", email=False)


def test_readme_says_what_emails_and_urls_are_valid() -> None:
    readme = (REPO / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith(("| `company.contact.", "| `company.website`"))]
    assert len(rows) == 4
    for row in rows:
        assert "IP address" in row, row
    assert "RFC 5322" in next(r for r in rows if "contact.safety" in r)


# -- "Done when": random profiles from the full Unicode range -------------------------------------
#
# Design (the fast suite must stay fast, so the 2,000 cases cannot each build
# documents, which costs ~80 ms and ~4 ms for the consistency text rule alone):
#
# * Once per module, a few base profiles (sample service mixes, every company
#   field set) are selected and assembled with sentinel values in the company
#   fields, and every consistency rule is asserted clean for them. Clause
#   selection does not depend on the text fields, so the ``promises``,
#   ``authorities`` and ``channels`` rules hold for every case of that base.
# * Each of the 2,000 cases draws the company text fields from the full
#   Unicode range (controls, noncharacters, bidi marks, lone surrogates
#   included), contacts from RFC 5322 dot-atom forms (and some invalid ones),
#   and a website. It validates the profile; a rejection must be a clean
#   ProfileError naming the field (and the code point for a bad character).
#   An accepted profile's values replace the sentinels in the clauses that
#   show them, and the real consistency ``text`` rule runs on those clauses:
#   it must find no contradiction. Clauses without a profile value cannot
#   change, except for the "URL on the company's own domain" test, which
#   random domains never hit; the full builds below cover whole documents.
# * A few cases (a smaller number) run the whole CLI build (Markdown, HTML,
#   DOCX) from a YAML file: exit 0, or exit 2 with a message, never a
#   traceback and never "contradict" for a profile the schema accepts.

import dataclasses  # noqa: E402
import functools  # noqa: E402
import json  # noqa: E402

import yaml  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

SENTINELS = {
    "name": "Qqname",
    "legal_name": "Qqlegal",
    "governing_law": "Qqlaw",
    "website": "https://qq-website.example/",
    "safety": "qq.safety@qq-safety.example",
    "legal": "qq.legal@qq-legal.example",
    "law_enforcement": "qq.le@qq-le.example",
}
BASES = ("boxdrop", "pixelpals", "campfire", "littlesnaps")
SPECIAL = [
    *"\x00\x07\x09\x0a\x0d\x1b\x7f\x80\x85\x9f",
    *"\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c",
    *"\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffff\ud800\udfff",
    *"\ufeff\u00ad\u200b\u2028\u2029\u00a0\ue000",
]
ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-/=?^_`{|}~"


def _base_raw(name: str) -> dict:
    raw = yaml.safe_load((REPO / "samples" / f"{name}.yaml").read_text(encoding="utf-8"))
    raw["company"] = {
        "name": SENTINELS["name"],
        "legal_name": SENTINELS["legal_name"],
        "website": SENTINELS["website"],
        "contact": {k: SENTINELS[k] for k in ("safety", "legal", "law_enforcement")},
    }
    raw["governing_law"] = SENTINELS["governing_law"]
    return raw


@functools.lru_cache(maxsize=1)
def _bases() -> list:
    """The base profiles, selected and assembled once (a plain cache, not a fixture: Hypothesis
    would print a fixture's value with every failing example)."""
    from generator.checks import consistency
    from generator.documents import assemble, select
    from generator.documents.skeletons import load_templates
    from generator.library.clauses import load_library
    from generator.profile.profile import validate_profile

    library, templates = load_library(), load_templates()
    out = []
    for name in BASES:
        raw = _base_raw(name)
        profile = validate_profile(raw, f"<{name}>")
        decisions = select(library, profile)
        documents = {doc: assemble(doc, decisions, library, templates, profile) for doc in templates.skeletons}
        assert consistency.check(decisions, documents, profile) == []
        out.append((raw, decisions, _with_sentinels(documents)))
    return out


def _with_sentinels(documents: dict) -> dict:
    """Keep only the clauses that show a sentinel (a profile value), each flattened to one span.

    The consistency ``text`` rule reads a clause's blocks as their joined text
    plus the links of their spans; a clause reduced to one paragraph holding
    that text and its links reads the same, and is quick to copy per case.
    """
    from generator.documents import Paragraph, Span, block_text

    kept = {}
    for kind, document in documents.items():
        sections = []
        for section in document.sections:
            clauses = []
            for c in section.clauses:
                text = "\n".join(block_text(b) for b in c.blocks)
                if any(v in text for v in SENTINELS.values()):
                    links = tuple(Span("", href=s.href) for s in _all_spans(c.blocks) if s.href)
                    clauses.append(dataclasses.replace(c, blocks=[Paragraph((Span(text), *links))]))
            if clauses:
                sections.append(dataclasses.replace(section, clauses=clauses, intro=[]))
        kept[kind] = dataclasses.replace(document, sections=sections)
    return kept


def _all_spans(blocks):
    from generator.documents import ListBlock, Paragraph

    for b in blocks:
        if isinstance(b, Paragraph):
            yield from b.spans
        elif isinstance(b, ListBlock):
            for item in b.items:
                yield from item.spans
                yield from _all_spans(item.children)


def _substitute(documents: dict, pairs: list[tuple[str, str]]) -> dict:
    """Return the flattened documents with every sentinel replaced by the profile's value."""
    from generator.documents import Paragraph, Span

    out = {}
    for kind, document in documents.items():
        sections = []
        for section in document.sections:
            clauses = []
            for c in section.clauses:
                (para,) = c.blocks
                text = para.spans[0].text
                for old, new in pairs:
                    text = text.replace(old, new)
                clauses.append(dataclasses.replace(c, blocks=[Paragraph((Span(text), *para.spans[1:]))]))
            sections.append(dataclasses.replace(section, clauses=clauses))
        out[kind] = dataclasses.replace(document, sections=sections)
    return out


BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: Any text the schema should accept: letters, marks, numbers, punctuation, symbols, spaces,
#: private use and format characters (ZWJ, LRM) other than the bidi overrides and isolates.
fine_texts = st.text(
    st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs", "Co", "Cf"], exclude_characters=BIDI),
    min_size=1,
    max_size=20,
)
#: Anything at all: the full range (surrogates and controls included) and the special characters.
any_texts = st.one_of(
    st.text(st.characters(), min_size=1, max_size=20),
    st.lists(st.one_of(st.characters(), st.sampled_from(SPECIAL)), min_size=1, max_size=10).map("".join),
)
texts = st.one_of(fine_texts, any_texts)
atoms = st.text(st.sampled_from(ATEXT), min_size=1, max_size=8)
_alnum = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789"), min_size=1, max_size=5)
labels = st.builds(lambda a, b: f"{a}-{b}" if b else a, _alnum, st.none() | _alnum)
domains = st.builds(
    lambda ls, tld: ".".join([*ls, tld]),
    st.lists(labels, min_size=1, max_size=3),
    st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=4),
)
good_emails = st.builds(lambda local, d: f"{'.'.join(local)}@{d}", st.lists(atoms, min_size=1, max_size=3), domains)
emails = st.one_of(
    good_emails,
    good_emails,
    good_emails,
    st.sampled_from(["a@10.0.0.1", "a@[10.0.0.1]", '"a b"@p.example', ".a@p.example", "a@p", "a@p..example"]),
    texts,
)
good_urls = st.builds(
    lambda scheme, d, port, path: f"{scheme}://{d}{port}{path}",
    st.sampled_from(["https", "http", "HTTPS"]),
    domains,
    st.sampled_from(["", ":8443"]),
    st.text(st.sampled_from("/abcXYZ019-._~!$&'()*+,;=:@%?#"), max_size=16).map(lambda p: "/" + p if p else p),
)
urls = st.one_of(
    good_urls,
    st.sampled_from(["http://10.0.0.1/", "https://u:p@p.example/", "javascript:alert(1)", "https://p/"]),
    texts,
)


@st.composite
def company_fields(draw, fine: bool | None = None) -> dict:
    """Company fields: each a form the schema accepts (``fine``; by default in half the cases), else anything."""
    fine = draw(st.booleans()) if fine is None else fine
    text, email, url = (fine_texts, good_emails, good_urls) if fine else (texts, emails, urls)
    return {
        "base": draw(st.integers(0, len(BASES) - 1)),
        "name": draw(text),
        "legal_name": draw(st.none() | text),
        "governing_law": draw(text),  # always set: clauses that show it are conditional on it
        "website": draw(url),
        "safety": draw(email),
        "legal": draw(st.none() | email),
        "law_enforcement": draw(st.none() | email),
    }


def _raw(base: dict, drawn: dict) -> dict:
    raw = copy.deepcopy(base)
    company = raw["company"]
    company["name"], company["website"] = drawn["name"], drawn["website"]
    company["legal_name"] = drawn["legal_name"]
    raw["governing_law"] = drawn["governing_law"]
    company["contact"] = {k: drawn[k] for k in ("safety", "legal", "law_enforcement")}
    return raw


def _check_rejection(exc) -> None:
    assert exc.problems
    for p in exc.problems:
        assert p.path and p.message, p
        if "character" in p.message:
            assert re.search(r"U\+[0-9A-F]{4,6}", p.message), p.message


import copy  # noqa: E402


@given(drawn=company_fields())
@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@seed(20261210)
def test_random_unicode_profiles_validate_cleanly_and_never_contradict(drawn: dict) -> None:
    from hypothesis import event

    from generator.checks import consistency
    from generator.errors import ProfileError
    from generator.profile.profile import validate_profile
    from generator.profile.schema import text_problem

    base, decisions, documents = _bases()[drawn["base"]]
    try:
        profile = validate_profile(_raw(base, drawn), "<random>")
    except ProfileError as exc:
        _check_rejection(exc)
        event("rejected")
        return
    event("accepted")
    company = profile.data["company"]
    values = {
        "name": company["name"],
        "legal_name": company["legal_name"],
        "governing_law": profile.data["governing_law"],
        "website": company["website"],
        **company["contact"],
    }
    for value in values.values():
        assert text_problem(value) is None
    pairs = sorted(((SENTINELS[k], re.sub(r"\s+", " ", v)) for k, v in values.items()), key=lambda p: -len(p[0]))
    shown = _substitute(documents, pairs)
    assert consistency.check(decisions, shown, profile, rules=["text"]) == []


@given(drawn=st.one_of(company_fields(fine=True), company_fields(fine=True), company_fields()))
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)
@seed(20261211)
def test_random_unicode_profiles_build_through_the_cli(drawn: dict, tmp_path_factory) -> None:
    from hypothesis import event

    folder = tmp_path_factory.mktemp("build")
    raw = _raw(_base_raw(BASES[drawn["base"]]), drawn)
    raw["company"] = {k: v for k, v in raw["company"].items() if v is not None}
    raw["company"]["contact"] = {k: v for k, v in raw["company"]["contact"].items() if v is not None}
    if raw["governing_law"] is None:
        del raw["governing_law"]
    path = folder / "p.yaml"
    path.write_text(json.dumps(raw, default=str), encoding="utf-8")  # JSON is YAML, and escapes every character
    result = run("generate", path, "-o", folder / "out", "--format", "md,html,docx", "-q")
    assert result.exit_code in (0, 2), result.output
    event("built" if result.exit_code == 0 else "refused")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output and "contradict" not in result.output, result.output
    if result.exit_code == 2:
        assert "p.yaml" in result.output
