"""The notice-and-action kit (issue 18): report forms, letters, schemas and clocks."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from generator import api
from generator.checks.consistency import letter_problems, notice_problems
from generator.documents.selection import select
from generator.errors import ProfileError
from generator.library import load_library
from generator.notices.catalogue import FORMS, LETTERS, PROMISES, REQUIRED_ELEMENTS, Element, Letter
from generator.profile import load_profile

SAMPLES = Path(__file__).parent.parent / "samples"


def profile_file(tmp_path: Path, base: str = "boxdrop", **changes) -> Path:
    """A sample profile with ``changes`` applied (keys joined by ``__``), written to ``tmp_path``."""
    data = yaml.safe_load((SAMPLES / f"{base}.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        node = data
        *parents, last = dotted.split("__")
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value
    path = tmp_path / f"{base}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def generate(tmp_path: Path, profile: Path, docs=None, formats=("md", "html")) -> Path:
    out = tmp_path / "out"
    api.generate([profile], out, docs=docs, formats=formats, toc_pages=False, force=True)
    return out


FILLED = {
    "dsa-notice": {
        "form": "dsa-notice",
        "explanation": "It shows the sexual abuse of a child.",
        "urls": "https://example.invalid/p/1",
        "child_sexual_abuse": True,
        "good_faith": True,
    },
    "take-it-down": {
        "form": "take-it-down",
        "requester": "individual",
        "depiction": "The photo at https://example.invalid/p/2",
        "good_faith": True,
        "email": "me@example.invalid",
        "signature": "Alex Example",
    },
    "uk-intimate-image": {
        "form": "uk-intimate-image",
        "intimate_image": True,
        "reporter": "subject",
        "good_faith": True,
        "content": "https://example.invalid/p/3",
        "email": "me@example.invalid",
    },
    "child-safety-report": {"form": "child-safety-report", "category": "enticement", "location": "user @x"},
}
#: For each form, the legal element (field) whose absence the schema must refuse.
LEGAL_ELEMENT = {
    "dsa-notice": ["explanation", "urls", "good_faith"],
    "take-it-down": ["signature", "depiction", "good_faith", "email"],
    "uk-intimate-image": ["intimate_image", "reporter", "good_faith", "content", "email"],
    "child-safety-report": ["category", "location"],
}


def test_eu_us_profile_writes_forms_letters_schemas_and_timers(tmp_path: Path) -> None:
    out = generate(tmp_path, SAMPLES / "boxdrop.yaml")  # eu, us, ca; no --doc: the kit comes by default
    kit = sorted(p.name for p in (out / "notices").iterdir())
    assert kit == [
        "child-safety-report.html",
        "child-safety-report.schema.json",
        "dsa-notice.html",
        "dsa-notice.schema.json",
        "how-to-report.html",
        "take-it-down.html",
        "take-it-down.schema.json",
    ]
    md = (out / "notices.md").read_text(encoding="utf-8")
    for title in ("Confirmation of receipt of a notice", "Decision on a notice", "Statement of reasons"):
        assert title in md
    assert "Removal confirmation (TAKE IT DOWN Act)" in md and "Appeal outcome" in md
    clocks = json.loads((out / "sop.json").read_text(encoding="utf-8"))["notice_clocks"]
    by_id = {c["id"]: c for c in clocks}
    assert set(by_id) == {"dsa-receipt", "dsa-decision", "dsa-statement-of-reasons", "tida-removal"}
    assert by_id["tida-removal"]["hours"] == 48 and "48 hours" in by_id["tida-removal"]["legal_deadline"]
    assert by_id["dsa-receipt"]["hours"] is None and by_id["dsa-receipt"]["legal_deadline"] == "without undue delay"
    routes = {r["category"] for r in json.loads((out / "sop.json").read_text(encoding="utf-8"))["routes"]}
    for clock in clocks:  # every clock is tied to categories the routing table knows
        assert clock["categories"] and set(clock["categories"]) <= routes
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"] for f in manifest["documents"]["notices"]["files"].values()}
    assert {f"notices/{n}" for n in kit} | {"notices.md", "notices.html"} == listed


def test_kit_is_chosen_by_jurisdiction(tmp_path: Path) -> None:
    eu_only = generate(tmp_path / "a", profile_file(tmp_path, "campfire"), docs=["notices"])  # uk, eu
    names = {p.name for p in (eu_only / "notices").iterdir()}
    assert "dsa-notice.html" in names and "uk-intimate-image.html" in names and "take-it-down.html" not in names
    us_only = generate(tmp_path / "b", profile_file(tmp_path, "minimal"), docs=["sop", "notices"])  # us
    names = {p.name for p in (us_only / "notices").iterdir()}
    assert "take-it-down.html" in names
    assert not {"dsa-notice.html", "dsa-notice.schema.json", "uk-intimate-image.html"} & names
    assert "Statement of reasons" not in (us_only / "notices.md").read_text(encoding="utf-8")
    clocks = json.loads((us_only / "sop.json").read_text(encoding="utf-8"))["notice_clocks"]
    assert [c["jurisdiction"] for c in clocks] == ["us"]


def test_profile_without_eu_us_uk_gets_no_kit_by_default(tmp_path: Path) -> None:
    out = generate(tmp_path, SAMPLES / "dreamforge.yaml")  # au only
    assert not (out / "notices").exists() and not (out / "notices.md").exists()
    assert "notice_clocks" not in json.loads((out / "sop.json").read_text(encoding="utf-8"))
    asked = generate(tmp_path / "asked", SAMPLES / "dreamforge.yaml", docs=["notices"])
    assert sorted(p.name for p in (asked / "notices").iterdir()) == [
        "child-safety-report.html",
        "child-safety-report.schema.json",
        "how-to-report.html",
    ]


@pytest.mark.parametrize("form", [f.id for f in FORMS])
def test_schema_accepts_filled_example_and_rejects_missing_legal_element(tmp_path: Path, form: str) -> None:
    base = {"dsa-notice": "campfire", "uk-intimate-image": "campfire"}.get(form, "minimal")
    out = generate(tmp_path, profile_file(tmp_path, base), docs=["notices"])
    schema = json.loads((out / "notices" / f"{form}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    validator.validate(FILLED[form])
    for element in LEGAL_ELEMENT[form]:
        missing = {k: v for k, v in FILLED[form].items() if k != element}
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(missing)


def test_dsa_schema_needs_name_and_email_unless_child_sexual_abuse(tmp_path: Path) -> None:
    out = generate(tmp_path, profile_file(tmp_path, "campfire"), docs=["notices"])
    schema = json.loads((out / "notices" / "dsa-notice.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    other = {**FILLED["dsa-notice"], "child_sexual_abuse": False}
    with pytest.raises(jsonschema.ValidationError):  # Art 16(2)(c): name and email needed for other offences
        validator.validate(other)
    validator.validate({**other, "name": "Sam", "email": "sam@example.invalid"})
    with pytest.raises(jsonschema.ValidationError):  # a ticked box is true, never absent-but-required
        validator.validate({**FILLED["dsa-notice"], "good_faith": False})


def test_statement_of_reasons_has_every_art_17_3_element(tmp_path: Path) -> None:
    out = generate(tmp_path, SAMPLES / "boxdrop.yaml", docs=["notices"])
    md = (out / "notices.md").read_text(encoding="utf-8")
    sor = md.split("Statement of reasons", 1)[1].split("\n### ", 1)[0]
    named = {
        "(a)": "The decision and its territorial scope and duration",
        "(b)": "The facts and circumstances relied on",
        "(c)": "Use of automated means",
        "(d)": "The legal ground, for illegal content",
        "(e)": "The contractual ground, for content incompatible with our terms",
        "(f)": "Possibilities for redress",
    }
    for letter, name in named.items():
        assert f"**{name} (Art 17(3){letter})**" in sor, letter
    assert "TERRITORIAL SCOPE" in sor and "DURATION" in sor
    assert "notice under Article 16" in sor and "own initiative" in sor  # (b): notice or own initiative
    assert "detected or identified by automated means" in sor  # (c)
    assert "out-of-court dispute settlement" in sor and "court" in sor  # (f)
    assert "Safety Lead" in sor and "open question for counsel" in sor  # the hold rule, never stated as settled


def test_forms_use_native_validation_and_no_javascript(tmp_path: Path) -> None:
    out = generate(tmp_path, SAMPLES / "boxdrop.yaml", docs=["notices"], formats=("html",))
    for page in (out / "notices").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text.lower() and "javascript:" not in text.lower()
        assert not re.search(r"<[^>]*\son[a-z]+\s*=", text, re.I), page.name  # no event-handler attributes
    dsa = (out / "notices" / "dsa-notice.html").read_text(encoding="utf-8")
    for name in ("explanation", "urls", "good_faith"):
        assert re.search(rf'name="{name}"[^>]*required', dsa), name
    assert "TO COMPLETE: notices.form_action" in dsa and "action=" not in dsa
    report = (out / "notices" / "how-to-report.html").read_text(encoding="utf-8")
    assert 'href="dsa-notice.html"' in report and 'href="take-it-down.html"' in report
    assert "no later than 48 hours" in report  # TAKE IT DOWN: the notice explains our responsibilities


def test_form_action_from_profile(tmp_path: Path) -> None:
    path = profile_file(tmp_path, "minimal", notices__form_action="https://reports.example.invalid/in")
    out = generate(tmp_path, path, docs=["notices"], formats=("html",))
    page = (out / "notices" / "take-it-down.html").read_text(encoding="utf-8")
    assert 'action="https://reports.example.invalid/in"' in page and "TO COMPLETE" not in page


def test_bad_form_action_is_refused(tmp_path: Path) -> None:
    path = profile_file(tmp_path, "minimal", notices__form_action="javascript:alert(1)")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert "notices.form_action" in str(err.value.problems[0])


def test_profile_without_notices_keeps_its_digest() -> None:
    profile = load_profile(SAMPLES / "pixelpals.yaml")
    manifest_golden = Path(__file__).parent / "golden" / "pixelpals" / "sop.json"
    assert profile.digest in manifest_golden.read_text(encoding="utf-8")


def test_consistency_every_promise_has_letter_and_step() -> None:
    library = load_library()
    decisions = select(library, load_profile(SAMPLES / "boxdrop.yaml"))
    letters = [x for x in LETTERS if x.jurisdiction in ("eu", "us", "global")]
    assert notice_problems(decisions, letters, PROMISES) == []
    without = [x for x in letters if x.id != "statement-of-reasons"]
    problems = notice_problems(decisions, without, PROMISES)
    assert len(problems) == 1 and "statement-of-reasons" in problems[0].message
    assert "tos.appeals.statement-of-reasons" in problems[0].file or "statement-of-reasons" in problems[0].file
    no_step = [d for d in decisions if d.clause.id != "sop.appeals.internal-appeals"]
    problems = notice_problems(no_step, letters, PROMISES)
    assert any("sop.appeals.internal-appeals" in p.message for p in problems)


def test_consistency_letter_lacking_a_legal_element_is_refused() -> None:
    assert letter_problems(LETTERS, REQUIRED_ELEMENTS) == []
    sor = next(x for x in LETTERS if x.id == "statement-of-reasons")
    cut = Letter(**{**sor.__dict__, "elements": tuple(e for e in sor.elements if e.provision != "Art 17(3)(f)")})
    problems = letter_problems([cut], REQUIRED_ELEMENTS)
    assert [p.message for p in problems] == ["the letter lacks the element the law requires: Art 17(3)(f)"]
    blank = Letter(**{**sor.__dict__, "elements": (*cut.elements, Element("redress", "redress", " ", "Art 17(3)(f)"))})
    assert letter_problems([blank], REQUIRED_ELEMENTS)


def test_output_is_deterministic(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", SAMPLES / "boxdrop.yaml", docs=["sop", "notices"])
    b = generate(tmp_path / "b", SAMPLES / "boxdrop.yaml", docs=["sop", "notices"])
    for path in sorted(a.rglob("*")):
        if path.is_file():
            assert path.read_bytes() == (b / path.relative_to(a)).read_bytes(), path


def test_partial_regeneration_keeps_the_kit_in_the_manifest(tmp_path: Path) -> None:
    out = generate(tmp_path, SAMPLES / "minimal.yaml")
    api.generate([SAMPLES / "minimal.yaml"], out, docs=["tips"], formats=("md",), toc_pages=False, force=True)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    files = manifest["documents"]["notices"]["files"]
    assert files["notices/take-it-down.html"]["kept"] is True
    (out / "notices" / "take-it-down.html").write_text("edited", encoding="utf-8")
    from generator.errors import OutputError

    with pytest.raises(OutputError):
        api.generate([SAMPLES / "minimal.yaml"], out, docs=["tips"], formats=("md",), toc_pages=False, force=True)


def test_sop_json_with_clocks_matches_the_published_schema(tmp_path: Path) -> None:
    schema = json.loads((Path(__file__).parent.parent / "docs" / "sop.schema.json").read_text(encoding="utf-8"))
    for base in ("boxdrop", "pixelpals", "campfire"):
        out = generate(tmp_path / base, SAMPLES / f"{base}.yaml", docs=["sop", "notices"])
        table = json.loads((out / "sop.json").read_text(encoding="utf-8"))
        assert table["notice_clocks"]
        jsonschema.Draft202012Validator(schema).validate(table)
    broken = {**table, "notice_clocks": [{**table["notice_clocks"][0], "hours": "48"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_form_action_marker_is_listed_by_generate_and_lint(tmp_path: Path) -> None:
    fields = dict(api.to_complete(SAMPLES / "minimal.yaml"))
    assert fields["notices.form_action"] == "where the report forms send what people fill in"
    assert "notices.form_action" not in dict(api.to_complete(SAMPLES / "dreamforge.yaml"))  # au: no kit
    filled = profile_file(tmp_path, "minimal", notices__form_action="https://reports.example.invalid/in")
    assert "notices.form_action" not in dict(api.to_complete(filled))
    result = api.generate([SAMPLES / "minimal.yaml"], tmp_path / "o", formats=("md",), toc_pages=False)
    assert ("notices.form_action", "where the report forms send what people fill in") in result.builds[0].to_complete
