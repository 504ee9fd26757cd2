"""The HTML pages in a real browser: accessibility (axe-core), structure, focus, layout, print and screenshots.

The notice-and-action kit's report forms are submitted with each required field missing in turn: the
browser's own validation must block them (no JavaScript), and a complete form must be sent.

Every sample profile's tos.html, sop.html and tips.html is loaded from disk in
headless Chromium (Debian's ``chromium``, or ``POLICYGEN_CHROMIUM``) through
Playwright's sync API. One browser serves the whole module, with one context
per viewport. Full-page screenshots at phone and desktop width are written to
``$POLICYGEN_ARTIFACTS/screenshots/`` (default ``.artifacts/`` in the repository)
for a person to look at. A real browser takes about a minute and a half for the
module, so the whole module is marked ``slow`` (CI runs it; ``pytest -m "not slow"``
leaves it out).

Without Chromium (or Playwright) the module is skipped, unless the ``CI``
environment variable is set: then every test errors, so CI cannot pass by
silently skipping the browser checks.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import struct
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, SAMPLES

from generator import api
from generator.documents.skeletons import load_templates
from generator.library.clauses import load_library
from generator.profile.profile import load_profile

try:
    from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the environment
    sync_playwright = None

SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))
DOCS = ("tos", "sop", "tips")
# The compliance records page of one UK, one EU, one AU and one UK + EU sample.
RECORD_SAMPLES = ("pixelpals", "whisper", "dreamforge", "campfire")
PAGES = [(sample.stem, doc) for sample in SAMPLE_FILES for doc in DOCS]
PAGES += [(sample, "records") for sample in RECORD_SAMPLES]
PAGE_IDS = [f"{sample}-{doc}" for sample, doc in PAGES]

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
NARROW = {"width": 360, "height": 740}  # the narrowest phone the layout must fit without sideways scrolling
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}
# Print and PDF output is the same stylesheet for every page, so a few samples are enough.
PRINT_SAMPLES = ("pixelpals", "minimal", "whisper")
PDF_SAMPLES = ("pixelpals", "minimal")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chromium_path() -> tuple[str | None, str]:
    """Return (path to Chromium, or None; the reason when it is missing)."""
    if sync_playwright is None:
        return None, "playwright is not installed (pip install -e '.[test]')"
    try:
        (resources.files("axe_playwright_python") / "axe.min.js").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return None, "axe-playwright-python is not installed (pip install -e '.[test]')"
    configured = os.environ.get("POLICYGEN_CHROMIUM")
    if configured:
        if Path(configured).is_file():
            return configured, ""
        return None, f"POLICYGEN_CHROMIUM={configured} does not exist"
    found = shutil.which("chromium")
    if found:
        return found, ""
    return None, "Chromium is not installed (apt-get install chromium, or set POLICYGEN_CHROMIUM)"


pytestmark = pytest.mark.slow

CHROMIUM, MISSING = _chromium_path()
if CHROMIUM is None and not os.environ.get("CI"):
    pytest.skip(f"browser checks skipped: {MISSING}", allow_module_level=True)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every sample's HTML pages on disk, and the tips sections each sample's clauses produce."""
    root = tmp_path_factory.mktemp("site")
    library, templates = load_library(), load_templates()
    tips_sections: dict[str, list[str]] = {}
    for sample in SAMPLE_FILES:
        docs = (*DOCS, "records") if sample.stem in RECORD_SAMPLES else DOCS
        build = api.build(load_profile(sample), library, templates, docs, formats=("html",))
        folder = root / sample.stem
        folder.mkdir()
        for doc in docs:
            (folder / f"{doc}.html").write_bytes(build.files[f"{doc}.html"])
        tips_sections[sample.stem] = [s.id for s in build.documents["tips"].sections if s.clauses]
    return {"root": root, "tips_sections": tips_sections}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole module."""
    if CHROMIUM is None:
        pytest.fail(f"CI is set, so the browser checks must run, but {MISSING}", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _context(browser: Browser, viewport: dict[str, int]) -> Iterator[Page]:
    context: BrowserContext = browser.new_context(viewport=viewport, device_scale_factor=1)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(scope="module")
def desktop(browser: Browser) -> Iterator[Page]:
    yield from _context(browser, DESKTOP)


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[Page]:
    yield from _context(browser, PHONE)


@pytest.fixture(scope="module")
def narrow(browser: Browser) -> Iterator[Page]:
    yield from _context(browser, NARROW)


@pytest.fixture(scope="module")
def axe_source() -> str:
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("POLICYGEN_ARTIFACTS", REPO / ".artifacts")) / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(page: Page, site: dict[str, Any], sample: str, doc: str) -> None:
    page.goto((site["root"] / sample / f"{doc}.html").as_uri(), wait_until="load")


# --------------------------------------------------------------------------- in-page probes

STRUCTURE_JS = """() => {
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].map(h => ({
    level: Number(h.tagName[1]), text: h.textContent.trim().slice(0, 60)}));
  const navs = [...document.querySelectorAll('nav')];
  const toc = navs.find(n => n.querySelector('a[href^="#"]'));
  const links = toc ? [...toc.querySelectorAll('a[href^="#"]')].map(a => decodeURIComponent(a.hash.slice(1))) : [];
  const main = document.querySelector('main');
  return {
    lang: document.documentElement.getAttribute('lang') || '',
    title: document.title,
    headings,
    mains: document.querySelectorAll('main, [role=main]').length,
    banner: !!document.querySelector('body > header'),
    contentinfo: !!document.querySelector('body > footer'),
    tocLabel: toc ? (toc.getAttribute('aria-label') || '') : null,
    tocLinks: links,
    missingTargets: links.filter(id => !document.getElementById(id)),
    targetsOutsideMain: links.filter(id => document.getElementById(id) && !main.contains(document.getElementById(id))),
    mainText: main ? main.innerText.length : 0,
    skipHref: (document.querySelector('a.skip') || {}).hash || null,
  };
}"""

FOCUS_JS = """() => {
  const el = document.activeElement;
  const s = getComputedStyle(el);
  const toc = document.querySelector('nav a[href^="#"]');
  return {isFirstTocLink: el === toc, tag: el.tagName, text: (el.textContent || '').trim().slice(0, 40),
          outlineStyle: s.outlineStyle, outlineWidth: parseFloat(s.outlineWidth) || 0,
          boxShadow: s.boxShadow};
}"""

OVERFLOW_JS = """() => {
  const doc = document.scrollingElement;
  const wide = [...document.querySelectorAll('main *, header *, nav *, footer *')]
    .filter(e => !e.closest('.table-wrap') || e.classList.contains('table-wrap'))
    .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + ': ' +
                            (e.textContent || '').trim().slice(0, 50));
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide};
}"""

TIPS_JS = """() => [...document.querySelectorAll('main section[data-section]')]
  .filter(s => !s.parentElement.closest('section[data-section]'))
  .map(s => {
    const st = getComputedStyle(s);
    return {id: s.dataset.section, clauses: s.querySelectorAll('section.clause').length,
            heading: (s.querySelector('h2') || {}).textContent || '',
            background: st.backgroundColor, border: st.borderLeftWidth + ' ' + st.borderLeftStyle};
  })"""


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    return struct.unpack(">II", data[16:24])


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize(("sample", "doc"), PAGES, ids=PAGE_IDS)
def test_axe_finds_no_serious_violations(desktop: Page, site, axe_source: str, sample: str, doc: str) -> None:
    _open(desktop, site, sample, doc)
    desktop.add_script_tag(content=axe_source)
    result = desktop.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    blocking = [v for v in result["violations"] if v["impact"] in BLOCKING_IMPACTS]
    report = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} element(s)] "
        + ", ".join(" ".join(map(str, n["target"])) for n in v["nodes"][:4])
        for v in blocking
    )
    assert not blocking, f"axe-core found serious or critical problems in {sample}/{doc}.html:\n{report}"


@pytest.mark.parametrize(("sample", "doc"), PAGES, ids=PAGE_IDS)
def test_semantic_structure_and_navigable_contents(desktop: Page, site, sample: str, doc: str) -> None:
    _open(desktop, site, sample, doc)
    facts = desktop.evaluate(STRUCTURE_JS)
    assert facts["lang"], "<html> has no lang attribute"
    assert facts["title"].strip(), "the page has no <title>"
    levels = [h["level"] for h in facts["headings"]]
    assert levels.count(1) == 1, f"expected exactly one h1, found {levels.count(1)}"
    assert levels[0] == 1, f"the first heading is h{levels[0]} ({facts['headings'][0]['text']!r}), not the h1"
    skips = [
        f"h{a['level']} {a['text']!r} -> h{b['level']} {b['text']!r}"
        for a, b in zip(facts["headings"], facts["headings"][1:], strict=False)
        if b["level"] > a["level"] + 1
    ]
    assert not skips, f"heading levels skip: {skips}"
    assert facts["mains"] == 1, f"expected one main landmark, found {facts['mains']}"
    assert facts["banner"] and facts["contentinfo"], "the page needs a top-level <header> and <footer>"
    assert facts["tocLabel"], "no labelled <nav> with the table of contents"
    assert facts["tocLinks"], "the table of contents has no links"
    assert not facts["missingTargets"], f"contents links to ids that do not exist: {facts['missingTargets']}"
    assert not facts["targetsOutsideMain"], f"contents links outside <main>: {facts['targetsOutsideMain']}"
    assert facts["skipHref"] == "#main", "the skip link must lead to <main id=main>"
    assert facts["mainText"] > 200, "the main landmark is (nearly) empty"

    # Following the last contents entry scrolls its heading to the top of the window.
    last = facts["tocLinks"][-1]
    desktop.locator(f'nav a[href="#{last}"]').click()
    top = desktop.evaluate("(id) => document.getElementById(id).getBoundingClientRect().top", last)
    assert desktop.evaluate("location.hash") == f"#{last}"
    at_bottom = desktop.evaluate("innerHeight + scrollY >= document.scrollingElement.scrollHeight - 2")
    assert -2 <= top <= 60 or at_bottom, f"following the contents link to #{last} left its heading at y={top}"


@pytest.mark.parametrize(("sample", "doc"), PAGES, ids=PAGE_IDS)
def test_keyboard_focus_is_visible(desktop: Page, site, sample: str, doc: str) -> None:
    _open(desktop, site, sample, doc)
    desktop.keyboard.press("Tab")
    skip = desktop.evaluate(
        "() => { const r = document.activeElement.getBoundingClientRect();"
        " return {cls: document.activeElement.className, left: r.left, top: r.top, w: r.width}; }"
    )
    assert skip["cls"] == "skip", f"the first Tab stop is {skip}, not the skip link"
    assert skip["left"] >= 0 and skip["top"] >= 0 and skip["w"] > 0, f"the focused skip link is off screen: {skip}"
    for _ in range(30):
        focus = desktop.evaluate(FOCUS_JS)
        if focus["isFirstTocLink"]:
            break
        desktop.keyboard.press("Tab")
    else:
        pytest.fail("tabbing never reached the first contents link")
    visible = (focus["outlineStyle"] != "none" and focus["outlineWidth"] > 0) or focus["boxShadow"] != "none"
    assert visible, f"the focused contents link has no visible focus indicator: {focus}"


@pytest.mark.parametrize(("sample", "doc"), PAGES, ids=PAGE_IDS)
def test_fits_a_360px_screen(narrow: Page, site, sample: str, doc: str) -> None:
    _open(narrow, site, sample, doc)
    fit = narrow.evaluate(OVERFLOW_JS)
    assert fit["scrollWidth"] <= fit["innerWidth"], (
        f"horizontal scrolling at {fit['innerWidth']}px: the page is {fit['scrollWidth']}px wide; "
        f"too wide: {fit['wide']}"
    )


@pytest.mark.parametrize("sample", [s.stem for s in SAMPLE_FILES])
def test_tips_have_audience_sections_and_a_help_now_block(desktop: Page, site, sample: str) -> None:
    expected = site["tips_sections"][sample]
    assert {"help-now", "everyone"} <= set(expected), f"{sample}: the tips lack help-now or everyone: {expected}"
    _open(desktop, site, sample, "tips")
    sections = desktop.evaluate(TIPS_JS)
    assert [s["id"] for s in sections] == expected
    assert sections[0]["id"] == "help-now", "the 'get help now' section must come first"
    assert all(s["clauses"] > 0 for s in sections), f"empty sections: {sections}"
    for audience in ("teens", "parents"):
        if audience in expected:
            assert audience in [s["id"] for s in sections]
    help_now, rest = sections[0], sections[1:]
    assert help_now["background"] not in ("rgba(0, 0, 0, 0)", "transparent"), "the help-now block is not highlighted"
    assert all(s["background"] != help_now["background"] for s in rest), "help-now looks like the other sections"


@pytest.mark.parametrize(("sample", "doc"), [p for p in PAGES if p[0] in PRINT_SAMPLES])
def test_print_stylesheet(desktop: Page, site, sample: str, doc: str) -> None:
    _open(desktop, site, sample, doc)
    screen_text = desktop.evaluate("document.querySelector('main').innerText.length")
    desktop.emulate_media(media="print")
    try:
        hidden = desktop.evaluate(
            "() => ['a.skip', 'nav'].map(sel => [sel, getComputedStyle(document.querySelector(sel)).display])"
        )
        assert all(display == "none" for _, display in hidden), f"screen-only parts still print: {hidden}"
        printed = desktop.evaluate(
            "() => ({text: document.querySelector('main').innerText.length,"
            " h1: getComputedStyle(document.querySelector('h1')).display,"
            " draft: getComputedStyle(document.querySelector('.draft')).display})"
        )
        assert printed["text"] >= screen_text * 0.95, f"content is missing in print: {printed['text']} < {screen_text}"
        assert printed["h1"] != "none" and printed["draft"] != "none", f"title or draft notice hidden: {printed}"
    finally:
        desktop.emulate_media(media="screen")


@pytest.mark.parametrize("sample", PDF_SAMPLES)
def test_sop_prints_to_a_multi_page_pdf(desktop: Page, site, sample: str) -> None:
    from pypdf import PdfReader

    _open(desktop, site, sample, "sop")
    pdf = desktop.pdf(format="A4", print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 1, f"{sample}/sop.html printed to {len(reader.pages)} page(s)"
    first = reader.pages[0].extract_text()
    title = desktop.evaluate("document.querySelector('h1').textContent")
    assert title.split()[0] in first, f"the first printed page does not show the title {title!r}"


@pytest.mark.parametrize(("sample", "doc"), PAGES, ids=PAGE_IDS)
def test_screenshots(phone: Page, desktop: Page, site, artifacts: Path, sample: str, doc: str) -> None:
    # The safety page is short enough to capture whole; the ToS and SOP pages are 40-70k px tall, where a
    # full-page capture takes 8-10 s each, so they are captured as the first screen a reader sees.
    full = doc == "tips"
    for name, page, viewport in (("phone", phone, PHONE), ("desktop", desktop, DESKTOP)):
        path = artifacts / f"{sample}-{doc}-{name}.png"
        path.unlink(missing_ok=True)
        _open(page, site, sample, doc)
        page.screenshot(path=str(path), full_page=full)
        assert path.is_file() and path.stat().st_size > 1000, f"no screenshot written to {path}"
        width, height = _png_size(path)
        assert width == viewport["width"], f"{path.name} is {width}px wide: the page scrolls sideways at {name} width"
        assert height >= viewport["height"]


# --------------------------------------------------------------------------- issue 16: phone tables and print breaks

PHONE_OVERFLOW_JS = """() => {
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map(e => e.tagName.toLowerCase() + ': ' + (e.textContent || '').trim().slice(0, 50));
  const scrollers = [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1).length;
  const cells = [...document.querySelectorAll('.table-wrap td')];
  const labelled = cells.filter(td => getComputedStyle(td, '::before').content.replace(/"/g, '') === td.dataset.label);
  return {scrollWidth: document.scrollingElement.scrollWidth, innerWidth: window.innerWidth, wide, scrollers,
          cells: cells.length, labelled: labelled.length};
}"""


@pytest.mark.parametrize(("sample", "doc"), PAGES, ids=PAGE_IDS)
def test_phone_390px_tables_become_cards_with_nothing_cut_off(phone: Page, site, sample: str, doc: str) -> None:
    """At 390 px no element, table cells included, reaches past the screen; each cell shows its column name."""
    _open(phone, site, sample, doc)
    fit = phone.evaluate(PHONE_OVERFLOW_JS)
    assert fit["scrollWidth"] <= fit["innerWidth"], f"page scrolls sideways at 390px: {fit}"
    assert not fit["wide"], f"cut off at 390px: {fit['wide']}"
    assert fit["scrollers"] == 0, f"{fit['scrollers']} table(s) still scroll sideways inside their box"
    assert fit["labelled"] == fit["cells"], f"only {fit['labelled']} of {fit['cells']} cells show their column name"


TABLE_ROWS_JS = """() => [...document.querySelectorAll('main table')].map(t => ({
  caption: t.caption.innerText.replace(/\\s+/g, ' ').trim(),
  first: t.tBodies[0].rows[0].cells[0].innerText.replace(/\\s+/g, ' ').trim()}))"""


@pytest.mark.parametrize("sample", [s.stem for s in SAMPLE_FILES])
def test_print_keeps_table_headers_with_their_first_row(desktop: Page, site, sample: str) -> None:
    """Printed (print emulation, A4), each table's caption and header row share a page with its first body row."""
    import re

    from pypdf import PdfReader

    _open(desktop, site, sample, "sop")
    desktop.emulate_media(media="print")
    try:
        tables = desktop.evaluate(TABLE_ROWS_JS)
        pdf = desktop.pdf(format="A4")
    finally:
        desktop.emulate_media(media="screen")
    pages = [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(pdf)).pages]
    assert tables, f"{sample}/sop.html has no tables"
    for table in tables:
        caption_page = next(i for i, text in enumerate(pages) if table["caption"][:40] in text)
        assert table["first"][:25] in pages[caption_page], (
            f"{sample}/sop.html: '{table['caption']}' and its header row end page {caption_page + 1} "
            f"without their first row ('{table['first'][:25]}')"
        )


# --------------------------------------------------------------------------- the notice-and-action kit's forms

FORM_ACTION = "https://forms.example.invalid/notices"
FORM_SAMPLES = ("boxdrop", "campfire")  # eu + us, and uk + eu: every form


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The notice kit's pages of an EU + US and a UK + EU sample, posting to a URL the test intercepts."""
    import yaml

    root = tmp_path_factory.mktemp("kit")
    library, templates = load_library(), load_templates()
    pages: dict[str, Path] = {}
    for stem in FORM_SAMPLES:
        data = yaml.safe_load((SAMPLES / f"{stem}.yaml").read_text(encoding="utf-8"))
        data["notices"] = {"form_action": FORM_ACTION}
        path = root / f"{stem}.yaml"
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
        build = api.build(load_profile(path), library, templates, ("tos", "sop", "tips", "notices"), formats=("html",))
        for name, data_ in build.files.items():
            if name.startswith("notices/") or name == "notices.html":
                target = root / stem / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data_)
                if name.endswith(".html") and name != "notices/how-to-report.html":
                    pages.setdefault(Path(name).stem, target)
    return pages


def _fill(page: Page, skip: str | None = None) -> None:
    """Fill every required field of the form on the page except ``skip`` (a field name)."""
    for el in page.query_selector_all("form [required]"):
        name = el.get_attribute("name")
        if name == skip:
            continue
        kind = (el.get_attribute("type") or el.evaluate("e => e.tagName")).lower()
        if kind in ("checkbox", "radio"):
            el.check()
        elif kind == "select":
            el.select_option(index=1)
        elif kind == "email":
            el.fill("me@example.invalid")
        else:
            el.fill("https://example.invalid/p/1")


def test_forms_block_submission_of_missing_required_fields(desktop: Page, kit: dict[str, Path]) -> None:
    assert set(kit) >= {"dsa-notice", "take-it-down", "uk-intimate-image", "child-safety-report"}
    sent: list[str] = []
    desktop.route(f"{FORM_ACTION}**", lambda route: (sent.append(route.request.url), route.fulfill(body="ok")))
    try:
        for form, path in sorted(kit.items()):
            if form == "notices":
                continue
            desktop.goto(path.as_uri(), wait_until="load")
            # the fields the form's JSON Schema requires (the legal elements), not what the page happens to mark
            schema = json.loads(path.with_name(f"{form}.schema.json").read_text(encoding="utf-8"))
            required = sorted(set(schema["required"]) - {"form"})
            assert required, f"{form} has no required field"
            for name in required:
                desktop.goto(path.as_uri(), wait_until="load")
                _fill(desktop, skip=name)
                desktop.click("button[type=submit]")
                desktop.wait_for_timeout(100)
                assert sent == [], f"{form}: sent without {name!r}"
                invalid = desktop.evaluate("() => [...document.querySelectorAll(':invalid')].map(e => e.name)")
                assert name in invalid, f"{form}: {name!r} not flagged invalid"
            desktop.goto(path.as_uri(), wait_until="load")  # filled in completely, the form does go
            _fill(desktop)
            with desktop.expect_request(f"{FORM_ACTION}**"):
                desktop.click("button[type=submit]")
            assert sent, f"{form}: a complete form was not sent"
            sent.clear()
    finally:
        desktop.unroute(f"{FORM_ACTION}**")


def test_kit_pages_pass_axe(desktop: Page, kit: dict[str, Path], axe_source: str) -> None:
    pages = sorted(
        {*kit.values(), *(p.parent / "how-to-report.html" for p in kit.values() if p.parent.name == "notices")}
    )
    problems = []
    for path in pages:
        desktop.goto(path.as_uri(), wait_until="load")
        desktop.add_script_tag(content=axe_source)
        result = desktop.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            AXE_TAGS,
        )
        problems += [
            f"{path.parent.name}/{path.name}: {v['id']} ({v['impact']}): {v['help']}"
            for v in result["violations"]
            if v["impact"] in BLOCKING_IMPACTS
        ]
    assert not problems, "\n".join(problems)
