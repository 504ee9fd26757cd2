"""Hostile input: random valid and invalid profiles, fuzzed files, symlinks, interrupts."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import MINIMAL, SAMPLES, clause, make_library
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from generator import api
from generator.cli import cli
from generator.documents.skeletons import load_templates
from generator.errors import LibraryError, ProfileError
from generator.library.clauses import load_library
from generator.profile import vocabulary as V
from generator.profile.profile import validate_profile
from generator.profile.schema import text_problem

# -- random valid profiles ------------------------------------------------------------------


@st.composite
def valid_profiles(draw) -> dict:
    services = draw(st.lists(st.sampled_from(list(V.SERVICES)), min_size=1, max_size=4, unique=True))
    jurisdictions = draw(st.lists(st.sampled_from(list(V.JURISDICTIONS)), min_size=1, max_size=5, unique=True))
    age = draw(st.integers(18, 21)) if "dating" in services else draw(st.integers(5, 21))
    features = {f: draw(st.booleans()) for f in V.FEATURES if draw(st.booleans())}
    for s in services:
        for implied in V.SERVICE_IMPLIES[s]:
            features.pop(implied, None)
    if features.get("e2ee"):
        features["direct_messages"] = True
        for s in services:
            if "direct_messages" in V.SERVICE_IMPLIES[s]:
                features.pop("direct_messages")
                break
    raw: dict = {
        "company": {
            "name": draw(
                st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40).filter(
                    lambda t: t.strip() and text_problem(t) is None  # no noncharacters or bidi overrides
                )
            ),
            "contact": {"safety": "safety@example.com"},
        },
        "services": services,
        "jurisdictions": jurisdictions,
        "audience": {
            "minimum_age": age,
            "parental_consent": age < 13 or draw(st.booleans()),
            "age_assurance": draw(st.sampled_from(list(V.AGE_ASSURANCE))),
        },
        "features": features,
        "team": {"size": draw(st.sampled_from(list(V.TEAM_SIZES)))},
    }
    uploads = features.get(
        "user_uploads", any("user_uploads" in V.SERVICE_IMPLIES[s] + V.SERVICE_SUGGESTS.get(s, ()) for s in services)
    )
    if uploads:
        raw["detection"] = {
            "hash_matching": draw(
                st.lists(st.sampled_from(["photodna", "pdq", "safer", "csai-match"]), unique=True, max_size=2)
            )
        }
    return raw


@pytest.fixture(scope="module")
def shared():
    return load_library(), load_templates()


@given(raw=valid_profiles())
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@seed(20261125)
def test_random_valid_profiles_generate_every_document(raw: dict, shared) -> None:
    library, templates = shared
    profile = validate_profile(raw, "<random>")
    build = api.build(profile, library, templates)
    for doc in V.DOC_KINDS:
        for fmt in V.DEFAULT_FORMATS:
            assert build.files[f"{doc}.{fmt}"], (doc, fmt)
        assert b"Draft" in build.files[f"{doc}.md"]


# -- invalid mutations of a valid profile -----------------------------------------------------


def _mutations() -> list:
    def unknown_key(p):
        p["company"]["nmae"] = "x"

    def dict_for_string(p):
        p["company"]["name"] = {"a": 1}

    def string_for_bool(p):
        p.setdefault("features", {})["e2ee"] = "maybe"

    def words_for_number(p):
        p.setdefault("audience", {})["minimum_age"] = "thirteen"

    def out_of_range(p):
        p.setdefault("audience", {})["minimum_age"] = 99

    def unknown_service(p):
        p["services"] = [*p["services"], "photosharing"]

    def duplicate_entry(p):
        p["jurisdictions"] = [*p["jurisdictions"], p["jurisdictions"][0]]

    def empty_list(p):
        p["services"] = []

    def bad_email(p):
        p["company"]["contact"]["safety"] = "no-at-sign"

    def bad_url(p):
        p["company"]["website"] = "ftp://x.example"

    def missing_required(p):
        del p["company"]["contact"]

    def bad_date(p):
        p["effective_date"] = "2026-02-30"

    def top_level_list(p):
        p.clear()
        p["__list__"] = True

    def contradiction(p):
        p["services"] = ["messaging"]
        p["features"] = {"direct_messages": False}

    return [
        unknown_key,
        dict_for_string,
        string_for_bool,
        words_for_number,
        out_of_range,
        unknown_service,
        duplicate_entry,
        empty_list,
        bad_email,
        bad_url,
        missing_required,
        bad_date,
        top_level_list,
        contradiction,
    ]


MUTATIONS = _mutations()


def _check_invalid(tmp_path: Path, raw: dict, mutate) -> None:
    bad = copy.deepcopy(raw)
    mutate(bad)
    text = "- not\n- a mapping\n" if bad.get("__list__") else yaml.safe_dump(bad, allow_unicode=True)
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["generate", str(path), "-o", str(out)])
    assert result.exit_code == 2, (mutate.__name__, result.output)
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert "bad.yaml" in result.output
    assert not out.exists()


@given(raw=valid_profiles(), mutate=st.sampled_from(MUTATIONS))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@seed(20261125)
def test_invalid_mutations_fail_cleanly(tmp_path: Path, raw: dict, mutate) -> None:
    _check_invalid(tmp_path, raw, mutate)


@given(text=st.text(max_size=300))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@seed(20261125)
def test_random_text_never_crashes(tmp_path: Path, text: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(text.encode("utf-8", errors="replace"))
    with pytest.raises(ProfileError):
        from generator.profile.profile import load_profile

        load_profile(path)


@pytest.mark.slow
@given(raw=valid_profiles(), mutate=st.sampled_from(MUTATIONS))
@settings(
    max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@seed(1125)
def test_fuzz_invalid_profiles(tmp_path: Path, raw: dict, mutate) -> None:
    """The long fuzz run (slow marker; CI runs it with this fixed seed)."""
    _check_invalid(tmp_path, raw, mutate)


@pytest.mark.slow
@given(data=st.binary(max_size=400))
@settings(max_examples=2000, deadline=None)
@seed(1126)
def test_fuzz_random_bytes(data: bytes) -> None:
    import tempfile

    from generator.profile.profile import load_profile

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "p.yaml"
        path.write_bytes(data)
        with pytest.raises(ProfileError):
            load_profile(path)


# -- YAML bombs and size limits ---------------------------------------------------------------


def test_billion_laughs_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x","x"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    start = time.perf_counter()
    result = CliRunner().invoke(cli, ["generate", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "aliases" in result.output
    assert time.perf_counter() - start < 5  # a sanity bound, not a benchmark


def test_deeply_nested_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("company: " + "[" * 5000 + "]" * 5000 + "\n")
    result = CliRunner().invoke(cli, ["generate", str(path), "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "Traceback" not in result.output


# -- clause libraries are untrusted -----------------------------------------------------------


def test_clause_symlink_outside_library_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text(clause("tos.prohibited.secret", "secret text"))
    lib = make_library(tmp_path / "lib")
    (lib / "tos" / "link.md").symlink_to(secret)
    with pytest.raises(LibraryError) as info:
        load_library(lib)
    assert "links outside the library folder" in str(info.value.problems[0])


@pytest.mark.parametrize(
    "body",
    [
        "{{ company.__class__.__mro__ }}",
        "{{ ''.__class__.__base__.__subclasses__() }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{% import 'os' as os %}",
        "{{ range(10**9) | list }}",
    ],
)
def test_escape_payloads_in_a_library_fail_cleanly(tmp_path: Path, body: str) -> None:
    lib = make_library(tmp_path / "lib", {"tos/evil.md": clause("tos.prohibited.evil", body)})
    profile = tmp_path / "p.yaml"
    profile.write_text(MINIMAL)
    result = CliRunner().invoke(cli, ["generate", str(profile), "-o", str(tmp_path / "o"), "--library", str(lib)])
    assert result.exit_code == 2, result.output
    assert "evil.md" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


# -- interrupts leave nothing behind -----------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_run_leaves_no_partial_output(tmp_path: Path, sig: signal.Signals) -> None:
    profiles = []
    for i in range(60):
        target = tmp_path / "in" / f"p{i:02d}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text((SAMPLES / "pixelpals.yaml").read_text())
        profiles.append(str(target))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "generator", "generate", *profiles, "-o", str(out), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    time.sleep(2.0)
    assert proc.poll() is None, "the run finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Interrupted" in err and "Traceback" not in err
    assert not out.exists()
    assert not list(tmp_path.glob(".policygen-*"))
