"""Profile loading and validation: defaults, every error kind, contradictions."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import MINIMAL, SAMPLES

from generator.errors import ProfileError
from generator.profile.profile import PROFILE_SCHEMA, field_reference, load_profile


def write(tmp_path: Path, text: str | bytes, name: str = "p.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path: Path, text: str | bytes) -> list[str]:
    with pytest.raises(ProfileError) as info:
        load_profile(write(tmp_path, text))
    assert info.value.exit_code == 2
    return [str(p) for p in info.value.problems]


def test_minimal_profile_gets_documented_defaults(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, MINIMAL))
    d = p.data
    assert d["company"]["legal_name"] == "PixelPals"
    assert d["company"]["contact"]["legal"] == "safety@pixelpals.example"
    assert d["company"]["contact"]["law_enforcement"] == "safety@pixelpals.example"
    assert d["audience"] == {
        "minimum_age": 13,
        "parental_consent": False,
        "age_assurance": "self-declaration",
        "minimum_age_for": {},
    }
    # second edition: every safeguard unknown, every determination undecided, no country
    assert set(d["safeguards"].values()) == {None}
    assert set(d["determinations"].values()) == {"undecided"}
    assert d["company"]["country"] is None
    assert d["team"] == {"size": "small"}
    assert d["detection"] == {"hash_matching": [], "url_lists": [], "text_classifiers": False}
    # photo-sharing implies uploads and suggests public content; nothing else is on
    assert d["features"]["user_uploads"] is True
    assert d["features"]["public_content"] is True
    assert d["features"]["direct_messages"] is False
    assert d["effective_date"] is None


def test_every_sample_is_valid() -> None:
    samples = sorted(SAMPLES.glob("*.yaml"))
    assert len(samples) >= 5
    for path in samples:
        load_profile(path)


def test_full_sample_sets_every_field() -> None:
    import yaml

    raw = yaml.safe_load((SAMPLES / "pixelpals.yaml").read_text())
    leaf_paths = {path for path, *_ in field_reference()}

    def present(data: dict, prefix: str = "") -> set[str]:
        out = set()
        for k, v in data.items():
            key = f"{prefix}{k}"
            leaf = key == "audience.minimum_age_for"  # one field: a mapping of feature to age
            out |= present(v, key + ".") if isinstance(v, dict) and not leaf else {key}
        return out

    assert present(raw) == leaf_paths


def test_explicit_feature_overrides_suggestion(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, MINIMAL + "features: {public_content: false}\n"))
    assert p.data["features"]["public_content"] is False


def test_facts_are_derived(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, MINIMAL + "audience: {minimum_age: 10, parental_consent: true}\n"))
    f = p.facts()
    assert f["minors"] is True and f["under_13"] is True
    assert f["services"] == {"photo-sharing"} and f["jurisdictions"] == {"us"}


def test_all_errors_reported_at_once_with_lines(tmp_path: Path) -> None:
    text = """\
company:
  name: PixelPals
  contact:
    safety: not-an-email
  webiste: http://x.example
services: [photo-shareing]
jurisdictions: us
audience:
  minimum_age: thirteen
"""
    found = problems(tmp_path, text)
    assert len(found) == 5
    joined = "\n".join(found)
    assert "p.yaml:4: company.contact.safety: 'not-an-email' is not an email address" in joined
    assert "p.yaml:5: company.webiste: unknown field 'webiste'" in joined and "did you mean 'website'?" in joined
    assert "p.yaml:6: services[0]: unknown value 'photo-shareing'" in joined
    assert "did you mean 'photo-sharing'?" in joined
    assert "p.yaml:7: jurisdictions: expected a list, got 'us'; write [us]" in joined
    assert "p.yaml:9: audience.minimum_age: expected a whole number from 5 to 21, got 'thirteen'" in joined
    # sorted by line
    assert [int(x.split(":")[1]) for x in found] == sorted(int(x.split(":")[1]) for x in found)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("company: [1\n", "invalid YAML"),
        ("", "the file is empty"),
        ("- a\n- b\n", "the top level must be a mapping"),
        ("just text\n", "the top level must be a mapping"),
        ("a: &x [1, 2]\nb: [*x, *x]\n", "anchors and aliases"),
        ("!!python/object/apply:os.system ['true']\n", "only plain data is allowed"),
        ("company: 1\ncompany: 2\n", "is given twice"),
        (MINIMAL + "extra: 1\n", "unknown field 'extra'"),
        (MINIMAL.replace("[us]", "[]"), "jurisdictions: must not be empty"),
        (MINIMAL.replace("[us]", "[us, us]"), "listed twice"),
        (MINIMAL.replace("[us]", "[uk, global]"), "unknown value 'global'"),
        (MINIMAL + "audience: {minimum_age: 99}\n", "99 is out of range"),
        (MINIMAL + "audience: {minimum_age: true}\n", "expected a whole number"),
        (MINIMAL + "audience: {age_assurance: verfication}\n", "did you mean 'verification'?"),
        (MINIMAL + "features: {e2ee: maybe}\n", "expected true or false, got 'maybe'"),
        (MINIMAL + "features: {user_uplods: true}\n", "did you mean 'user_uploads'?"),
        (MINIMAL + "effective_date: 2026-13-45\n", "expected a date written YYYY-MM-DD"),
        (MINIMAL + "effective_date: soon\n", "expected a date written YYYY-MM-DD"),
        (MINIMAL + "company2: {}\n", "unknown field 'company2'"),
        (MINIMAL.replace("PixelPals", "{a: 1}"), "expected text, got a mapping"),
        (MINIMAL.replace("PixelPals", "''"), "must not be empty"),
        (MINIMAL + "governing_law: " + "x" * 300 + "\n", "at most 200 allowed"),
        (
            MINIMAL.replace("services:", "company:\n  website: ftp://x.example\nservices:"),
            "is given twice",
        ),
        (MINIMAL + "detection: {hash_matching: [photodna, none]}\n", "'none' together with tools"),
        (MINIMAL + "detection: {hash_matching: photodna}\n", "write [photodna]"),
        (MINIMAL + "team: {size: huge}\n", "allowed: solo, small, dedicated"),
    ],
)
def test_bad_profiles_get_specific_errors(tmp_path: Path, text: str, expected: str) -> None:
    assert any(expected in p for p in problems(tmp_path, text)), problems(tmp_path, text)


def test_website_must_be_http(tmp_path: Path) -> None:
    text = MINIMAL.replace("  contact:", "  website: javascript:alert(1)\n  contact:")
    assert any("is not a web address" in p for p in problems(tmp_path, text))


def test_non_utf8_names_the_offset(tmp_path: Path) -> None:
    found = problems(tmp_path, b"company:\n  name: Caf\xe9\n")
    assert found[0].endswith("p.yaml:2: is not UTF-8 text (byte 0xe9 at offset 20)")


def test_oversized_file_is_refused(tmp_path: Path) -> None:
    found = problems(tmp_path, MINIMAL + "#" * (1024 * 1024 + 10) + "\n")
    assert "files over 1,048,576 bytes are refused" in found[0]


def test_directory_and_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="Cannot read profile") as info:
        load_profile(tmp_path)
    assert "is a directory" in str(info.value.problems[0])
    with pytest.raises(ProfileError) as info:
        load_profile(tmp_path / "nope.yaml")
    assert "no such file" in str(info.value.problems[0])


def test_newline_in_name_is_refused(tmp_path: Path) -> None:
    text = MINIMAL.replace("name: PixelPals", 'name: "Pixel\\n# Heading"')
    assert any("control character" in p for p in problems(tmp_path, text))


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("features: {e2ee: true, direct_messages: false}", "end-to-end encryption needs messages"),
        ("features: {user_uploads: false}", "service 'photo-sharing' always has it"),
        (
            "audience: {minimum_age: 12}",
            "parental_consent: must be true when minimum_age is under 13",
        ),
        ("detection: {hash_matching: [pdq]}\nfeatures: {user_uploads: false}", "always has it"),
    ],
)
def test_contradictions_are_errors(tmp_path: Path, extra: str, expected: str) -> None:
    assert any(expected in p for p in problems(tmp_path, MINIMAL + extra + "\n"))


def test_dating_needs_adults(tmp_path: Path) -> None:
    text = MINIMAL.replace("[photo-sharing]", "[dating]")
    assert any("a dating service must be 18+" in p for p in problems(tmp_path, text))


def test_livestreaming_service_cannot_switch_livestream_off(tmp_path: Path) -> None:
    text = MINIMAL.replace("[photo-sharing]", "[livestreaming]") + "features: {livestream: false}\n"
    assert any("features.livestream" in p and "always has it" in p for p in problems(tmp_path, text))


def test_hash_tools_need_uploads(tmp_path: Path) -> None:
    text = MINIMAL.replace("[photo-sharing]", "[messaging]") + "detection: {hash_matching: [pdq]}\n"
    assert any("nothing to match" in p for p in problems(tmp_path, text))


def test_field_reference_documents_every_field() -> None:
    rows = field_reference()
    paths = [r[0] for r in rows]
    assert "company.contact.law_enforcement" in paths and "features.e2ee" in paths
    assert all(r[3] for r in rows), "every field has a description"
    assert PROFILE_SCHEMA.fields["company"].required


# -- second edition: safeguards, per-feature ages, country, determinations ----------------


def test_unknown_safeguard_is_not_a_fact(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, MINIMAL + "safeguards: {report_button: true, block_users: false}\n"))
    facts = p.facts()
    assert facts["safeguards"] == {"report_button"}
    assert facts["safeguards_off"] == {"block_users"}
    assert p.data["safeguards"]["private_by_default_minors"] is None  # unknown, not false


def test_minimum_age_for_sets_feature_floors(tmp_path: Path) -> None:
    text = MINIMAL.replace("[photo-sharing]", "[livestreaming]") + (
        "audience: {minimum_age: 13, minimum_age_for: {livestream: 18, payments: 18}}\nfeatures: {payments: true}\n"
    )
    p = load_profile(write(tmp_path, text))
    assert p.data["audience"]["minimum_age_for"] == {"livestream": 18, "payments": 18}
    assert p.feature_age("livestream") == 18 and p.feature_age("public_content") == 13
    assert "livestream" not in p.facts()["minors_may_use"]
    assert "public_content" in p.facts()["minors_may_use"]


@pytest.mark.parametrize(
    ("ages", "message"),
    [
        ("{livestream: 12}", "below audience.minimum_age (13)"),
        ("{livestream: 22}", "out of range"),
        ("{livestrem: 18}", "did you mean 'livestream'"),
        ("{location_sharing: 16}", "features.location_sharing is off"),
    ],
)
def test_minimum_age_for_is_checked(tmp_path: Path, ages: str, message: str) -> None:
    service = MINIMAL.replace("[photo-sharing]", "[livestreaming]")
    text = service + f"audience: {{minimum_age: 13, minimum_age_for: {ages}}}\n"
    assert any(message in p for p in problems(tmp_path, text))


def test_country_is_iso_code_with_did_you_mean(tmp_path: Path) -> None:
    p = load_profile(write(tmp_path, MINIMAL.replace("company:\n", "company:\n  country: GB\n")))
    assert p.data["company"]["country"] == "gb"
    found = problems(tmp_path, MINIMAL.replace("company:\n", "company:\n  country: uk\n"))
    assert any("write its code 'gb'" in p for p in found), found
    found = problems(tmp_path, MINIMAL.replace("company:\n", "company:\n  country: Germny\n"))
    assert any("did you mean 'de'" in p for p in found), found


def test_determinations_accept_yes_no_and_default_by_service(tmp_path: Path) -> None:
    text = MINIMAL + 'determinations: {eu_micro_or_small: yes, uk_likely_accessed_by_children: "no"}\n'
    p = load_profile(write(tmp_path, text))
    assert p.data["determinations"]["eu_micro_or_small"] == "yes"
    assert p.data["determinations"]["uk_likely_accessed_by_children"] == "no"
    assert p.data["determinations"]["au_age_restricted_platform"] == "undecided"  # photo sharing: self-assess
    gaming = load_profile(write(tmp_path, MINIMAL.replace("[photo-sharing]", "[gaming, messaging]")))
    assert gaming.data["determinations"]["au_age_restricted_platform"] == "no"  # excluded by the Rules s.5
    found = problems(tmp_path, MINIMAL + "determinations: {eu_micro_or_small: maybe}\n")
    assert any("allowed: yes, no, undecided" in p for p in found), found
