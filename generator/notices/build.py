"""Build the notice-and-action kit for one profile.

One data structure (``catalogue.py``) gives four outputs that cannot
disagree: the notices document (rendered to Markdown, HTML and Word by the
ordinary renderers), the report forms (standalone HTML pages with no
JavaScript), their JSON Schemas, the public "how to report" page, and the
clocks that ``sop.json`` carries as ``notice_clocks``.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from typing import Any

from ..documents.assemble import render_markdown_blocks
from ..documents.model import ClauseBlock, Document, ListBlock, ListItem, Paragraph, Section, Span, Table
from ..documents.skeletons import Templates
from ..library import Library, clause_context
from ..profile import Profile
from ..profile import vocabulary as V
from .catalogue import CLOCKS, FORMS, LETTERS, Clock, Form, FormField, Letter

TITLE = "Notice-and-action kit"
#: Jurisdictions whose profiles get the kit by default.
DEFAULT_JURISDICTIONS: tuple[str, ...] = ("eu", "us", "uk")
FOLDER = "notices"
SCHEMA_BASE = "https://policygen.invalid/notices/"  # a JSON Schema $id needs a URI; .invalid never resolves


def wants_notices(profile: Profile) -> bool:
    """Whether ``generate`` writes the kit by default: the profile has ``eu``, ``us`` or ``uk``."""
    return bool(set(DEFAULT_JURISDICTIONS) & set(profile.data["jurisdictions"]))


def _applies(jurisdiction: str, profile: Profile) -> bool:
    return jurisdiction == V.GLOBAL or jurisdiction == "global" or jurisdiction in profile.data["jurisdictions"]


def forms_for(profile: Profile) -> list[Form]:
    """Return the report forms this profile gets: each form's jurisdiction must be one of the profile's."""
    return [f for f in FORMS if _applies(f.jurisdiction, profile)]


def letters_for(profile: Profile) -> list[Letter]:
    """Return the letters and templates this profile gets."""
    return [letter for letter in LETTERS if _applies(letter.jurisdiction, profile)]


def clocks_for(profile: Profile) -> list[dict[str, Any]]:
    """Return the notice clocks for ``sop.json``: one per deadline, tied to routing categories."""
    return [_clock_json(c) for c in CLOCKS if _applies(c.jurisdiction, profile)]


def _clock_json(c: Clock) -> dict[str, Any]:
    return {
        "id": c.id,
        "jurisdiction": c.jurisdiction,
        "notice": c.notice,
        "step": c.step,
        "starts": c.starts,
        "legal_deadline": c.legal_deadline,
        "hours": c.hours,
        "categories": list(c.categories),
        "citation": {"source": c.citation, "url": c.url, "verified": c.verified},
    }


def kit_names(profile: Profile) -> list[str]:
    """Return the files under ``notices/`` this profile's kit writes."""
    names = [f"{FOLDER}/how-to-report.html"]
    for form in forms_for(profile):
        names += [f"{FOLDER}/{form.id}.html", f"{FOLDER}/{form.id}.schema.json"]
    return sorted(names)


def form_action(profile: Profile) -> str | None:
    """Return the profile's ``notices.form_action``, or ``None`` when it is empty."""
    return (profile.data.get("notices") or {}).get("form_action")


MARKER = f"{V.TO_COMPLETE}: notices.form_action"


@dataclass
class Notices:
    """The kit for one profile: document model, and the extra files under ``notices/``."""

    document: Document
    files: dict[str, bytes] = field(default_factory=dict)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)


# --------------------------------------------------------------------------- JSON Schemas


def form_schema(form: Form) -> dict[str, Any]:
    """Return the JSON Schema (draft 2020-12) of what a form sends: a ticked box is ``true``."""
    props: dict[str, Any] = {"form": {"const": form.id, "description": "Which form was sent."}}
    required = ["form"]
    for f in form.fields:
        prop: dict[str, Any]
        if f.kind == "checkbox":
            prop = {"const": True} if f.required else {"type": "boolean"}
        elif f.choices:
            prop = {"enum": [c for c, _ in f.choices]}
        else:
            prop = {"type": "string", "minLength": 1, "maxLength": 10000}
            if f.kind == "email":
                prop["format"] = "email"
                prop["maxLength"] = 320
        prop["title"] = f.label
        if f.element:
            prop["description"] = f.element
        props[f.name] = prop
        if f.required:
            required.append(f.name)
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{SCHEMA_BASE}{form.id}.schema.json",
        "title": form.title,
        "description": f"What the {form.title!r} form sends. Legal basis: {form.basis or 'none'}.",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }
    unless = sorted({f.required_unless for f in form.fields if f.required_unless})
    if unless:
        schema["allOf"] = [
            {
                "if": {"properties": {key: {"const": True}}, "required": [key]},
                "else": {"required": [f.name for f in form.fields if f.required_unless == key]},
            }
            for key in unless
        ]
    return schema


def _json(data: Any) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


# --------------------------------------------------------------------------- HTML pages

_STYLE = """
body{font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1a1a1a;background:#fff;margin:0}
header,main,footer{max-width:42rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;line-height:1.25}
label,legend{display:block;font-weight:600;margin-top:1.25rem}
.check label,fieldset label{display:inline;font-weight:400;margin:0}
fieldset{border:1px solid #767676;border-radius:.25rem;margin-top:1.25rem;padding:.5rem 1rem}
input[type=text],input[type=email],textarea,select{box-sizing:border-box;width:100%;font:inherit;
padding:.5rem;border:1px solid #555;border-radius:.25rem;margin-top:.25rem}
textarea{min-height:6rem}
.check{margin-top:1.25rem}
.check input,fieldset input{width:1.25rem;height:1.25rem;vertical-align:middle;margin-right:.5rem}
.hint{color:#444;font-size:.95rem;margin:.25rem 0 0}
.todo{background:#fff3cd;border:2px solid #7a5b00;padding:.75rem;font-weight:700}
button{font:inherit;font-weight:600;margin-top:1.5rem;padding:.6rem 1.4rem;background:#0b5394;color:#fff;
border:0;border-radius:.25rem;cursor:pointer}
a{color:#0b5394}
:focus-visible{outline:3px solid #b35c00;outline-offset:2px}
.draft{font-size:.9rem;color:#444}
"""


def _page(title: str, lang: str, body: str, draft: str) -> bytes:
    e = html.escape
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        + (f'<header><p class="draft">{e(draft)}</p></header>\n' if draft else "")
        + f"<main>\n{body}</main>\n</body>\n</html>\n"
    ).encode()


def _field_html(f: FormField, form_id: str) -> str:
    e = html.escape
    fid = f"{form_id}-{f.name}"
    req = " required" if f.required else ""
    hint_id = f"{fid}-hint"
    hint = f'<p class="hint" id="{hint_id}">{e(f.hint)}</p>\n' if f.hint else ""
    described = f' aria-describedby="{hint_id}"' if f.hint else ""
    mark = " (required)" if f.required else ""
    if f.kind == "checkbox":
        return (
            f'<div class="check"><input type="checkbox" id="{fid}" name="{f.name}" value="true"{req}{described}>'
            f'<label for="{fid}">{e(f.label)}{mark}</label>\n{hint}</div>\n'
        )
    if f.kind == "radio":
        options = "".join(
            f'<div><input type="radio" id="{fid}-{v}" name="{f.name}" value="{v}"{req}>'
            f'<label for="{fid}-{v}">{e(text)}</label></div>\n'
            for v, text in f.choices
        )
        return f"<fieldset>\n<legend>{e(f.label)}{mark}</legend>\n{options}{hint}</fieldset>\n"
    label = f'<label for="{fid}">{e(f.label)}{mark}</label>\n'
    if f.kind == "select":
        options = '<option value="">Choose one</option>' + "".join(
            f'<option value="{v}">{e(text)}</option>' for v, text in f.choices
        )
        return f'{label}<select id="{fid}" name="{f.name}"{req}{described}>{options}</select>\n{hint}'
    if f.kind == "textarea":
        return f'{label}<textarea id="{fid}" name="{f.name}" maxlength="10000"{req}{described}></textarea>\n{hint}'
    kind = "email" if f.kind == "email" else "text"
    auto = ' autocomplete="email"' if kind == "email" else (' autocomplete="name"' if f.name == "name" else "")
    return f'{label}<input type="{kind}" id="{fid}" name="{f.name}"{auto}{req}{described}>\n{hint}'


def form_page(form: Form, profile: Profile, draft: str) -> bytes:
    """One report form as a standalone page: native validation, no JavaScript, posts to ``notices.form_action``."""
    e = html.escape
    action = form_action(profile)
    todo = "" if action else f'<p class="todo" role="note">{e(MARKER)}</p>\n'
    action_attr = f' action="{e(action)}"' if action else ""
    fields = "".join(_field_html(f, form.id) for f in form.fields)
    body = (
        f"<h1>{e(form.title)}</h1>\n{todo}<p>{e(form.intro)}</p>\n"
        f"<p>Fields marked (required) must be filled in. {e(profile.name)} receives what you send.</p>\n"
        f'<form method="post"{action_attr} accept-charset="utf-8">\n'
        f'<input type="hidden" name="form" value="{e(form.id)}">\n{fields}'
        '<button type="submit">Send</button>\n</form>\n'
        '<p><a href="how-to-report.html">How to report, and what we do next</a></p>\n'
    )
    return _page(f"{form.title} | {profile.name}", "en", body, draft)


def _report_text(profile: Profile, forms: list[Form]) -> list[tuple[str, str, str]]:
    """(form id, title, what happens next) for the "how to report" page and section."""
    next_steps = {
        "dsa-notice": "If you give your email address, we confirm receipt, and we tell you our decision, whether "
        "we used automated means, and how you can challenge it.",
        "take-it-down": "Our responsibility: once we receive a valid request, we remove the image or video as "
        "soon as possible and no later than 48 hours after receiving the request, and make reasonable efforts to "
        "find and remove known identical copies. We tell you when it is done.",
        "uk-intimate-image": "We take down the content, and content that is the same or substantially the same, "
        "as soon as reasonably practicable and no later than 48 hours after we receive the report, unless an "
        "exception in the law applies. You can complain about how we handled it.",
        "child-safety-report": "We review every report. Reports about a child in danger are handled first.",
    }
    return [(f.id, f.title, next_steps[f.id]) for f in forms]


def report_page(profile: Profile, forms: list[Form], draft: str) -> bytes:
    """Render the public "how to report" page: clear and conspicuous, plain language, linking every form."""
    e = html.escape
    safety = profile.data["company"]["contact"]["safety"]
    items = "".join(
        f'<li><a href="{fid}.html">{e(title)}</a>. {e(nxt)}</li>\n' for fid, title, nxt in _report_text(profile, forms)
    )
    body = (
        f"<h1>How to report to {e(profile.name)}</h1>\n"
        "<p>If a child is in danger right now, call your local emergency number first.</p>\n"
        "<p>Choose the form that fits. You do not need an account to use them.</p>\n"
        f"<ul>\n{items}</ul>\n"
        f'<p>You can also email <a href="mailto:{e(safety)}">{e(safety)}</a>.</p>\n'
    )
    return _page(f"How to report | {profile.name}", "en", body, draft)


# --------------------------------------------------------------------------- the document


def _para(text: str, bold: bool = False) -> Paragraph:
    return Paragraph((Span(text, bold=bold),))


def _cell(text: str) -> tuple[Span, ...]:
    return (Span(text),)


def _letter_block(number: str, letter: Letter) -> ClauseBlock:
    blocks: list[Any] = [
        _para(f"To: {letter.to}. Legal basis: {letter.basis}."),
        _para(f"When: {letter.when}"),
        ListBlock(
            False,
            tuple(
                ListItem(
                    (
                        Span(f"{el.name.capitalize()}" + (f" ({el.provision})" if el.provision else ""), bold=True),
                        Span(f": {el.text}"),
                    )
                )
                for el in letter.elements
            ),
        ),
    ]
    return ClauseBlock(number, f"notices.letters.{letter.id}", letter.title, blocks)


def build_notices(profile: Profile, library: Library, templates: Templates, *, final: bool = False) -> Notices:
    """Build the kit: the document model, the forms and schemas, the "how to report" page, the clocks.

    With ``final`` (counsel approved, ``--final``) the public pages carry no draft notice.
    """
    common = templates.common
    context = clause_context(profile.data)
    draft = "" if final else common["draft_notice"]
    forms = forms_for(profile)
    letters = letters_for(profile)
    clocks = clocks_for(profile)
    action = form_action(profile)
    files: dict[str, bytes] = {}
    for form in forms:
        files[f"{FOLDER}/{form.id}.html"] = form_page(form, profile, draft)
        files[f"{FOLDER}/{form.id}.schema.json"] = _json(form_schema(form))
    files[f"{FOLDER}/how-to-report.html"] = report_page(profile, forms, draft)

    sections: list[Section] = []
    form_rows = tuple(
        (
            _cell(f"{f.title} ({FOLDER}/{f.id}.html)"),
            _cell(f.basis + (f" ({f.source[0]}, {f.source[1]})" if f.source[1] else "")),
            _cell("; ".join(x.element for x in f.fields if x.element) or "None: the SOP's intake"),
        )
        for f in forms
    )
    sections.append(
        Section(
            "1",
            "forms",
            "Report forms",
            [
                _para(
                    "Each form is a standalone page that works without JavaScript and checks its required fields in "
                    f"the browser. Each posts to {action or MARKER}, with a hidden field naming the form, and has a "
                    f"JSON Schema beside it ({FOLDER}/<form>.schema.json) for the backend to validate against."
                ),
                Table(
                    "Report forms and the legal elements they collect", ("Form", "Legal basis", "Elements"), form_rows
                ),
                *[_para(f"{f.title}: {f.note}") for f in forms if f.note],
            ],
        )
    )
    sections.append(
        Section(
            "2",
            "letters",
            "Letters and templates",
            [
                _para(
                    "Fill in each part in square brackets. Keep each part marked with a provision: the law requires it."
                )
            ],
            [_letter_block(f"2.{i}", letter) for i, letter in enumerate(letters, 1)],
        )
    )
    clock_rows = tuple(
        (
            _cell(c["step"]),
            _cell(c["starts"]),
            _cell(c["legal_deadline"] + (f" ({c['hours']} hours)" if c["hours"] else "")),
            _cell(", ".join(c["categories"])),
            _cell(c["citation"]["source"]),
        )
        for c in clocks
    )
    sections.append(
        Section(
            "3",
            "clocks",
            "Clocks",
            [
                _para(
                    "sop.json carries these as notice_clocks, so a moderation queue can show a countdown. Where the "
                    "law gives no number of hours, the clock keeps the law's words and sets no number."
                ),
                Table("Notice clocks", ("Step", "Starts when", "Deadline", "Routing categories", "Source"), clock_rows)
                if clock_rows
                else _para("No legal clock applies to this profile's notices."),
            ],
        )
    )
    sections.append(
        Section(
            "4",
            "how-to-report",
            "How to report (public page)",
            [
                _para(
                    f"Publish {FOLDER}/how-to-report.html and link it clearly from every page where content can "
                    "appear. It says, in plain language:"
                ),
                ListBlock(False, tuple(ListItem((Span(f"{t}: {n}"),)) for _, t, n in _report_text(profile, forms))),
            ],
        )
    )
    effective = profile.data["effective_date"]
    settings = profile.data["document"]
    paper = settings["paper"] or ("letter" if {"us", "ca"} & set(profile.data["jurisdictions"]) else "a4")
    digest = hashlib.sha256(
        b"\n".join([library.version.encode(), profile.digest.encode(), *(files[k] for k in sorted(files))])
    ).hexdigest()
    document = Document(
        kind="notices",
        title=TITLE,
        company=profile.name,
        library_name=library.name,
        library_version=library.version,
        effective_date=effective.isoformat() if effective else common["effective_date_missing"],
        disclaimer=render_markdown_blocks(common["disclaimer"], context, "common.yaml#disclaimer"),
        intro=[
            _para(
                "The report forms, letters and clocks that notice-and-action law requires of this service, chosen by "
                "its jurisdictions. Have counsel review them before use."
            )
        ],
        sections=sections,
        version=settings["version"],
        paper=paper,
        toc_depth=1,
        meta={
            "document": TITLE,
            "footer": common["footer"],
            "draft": draft,
            "library-version": library.version,
            "profile-digest": profile.digest,
            "build-digest": f"sha256:{digest}",
            "clauses": "",
        },
    )
    return Notices(document, files, clocks, letters)
