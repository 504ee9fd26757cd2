"""Golden files: each sample's Markdown and HTML, compared byte for byte.

The goldens live in tests/golden/<sample>/. When a clause or template change
is intended, regenerate them deliberately and review the diff:

    pytest tests/test_golden.py --update-golden
    git diff tests/golden
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SAMPLES

from generator import api
from generator.documents.skeletons import load_templates
from generator.library.clauses import load_library
from generator.profile.profile import load_profile

GOLDEN = Path(__file__).parent / "golden"
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


@pytest.fixture(scope="module")
def shared():
    return load_library(), load_templates()


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
def test_sample_matches_golden(sample: Path, shared, request: pytest.FixtureRequest) -> None:
    library, templates = shared
    build = api.build(load_profile(sample), library, templates, formats=("md", "html"))
    folder = GOLDEN / sample.stem
    update = request.config.getoption("--update-golden")
    names = sorted(n for n in build.files if n != "manifest.json")
    if update:
        folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            (folder / name).write_bytes(build.files[name])
        pytest.skip("golden files rewritten; review `git diff tests/golden`")
    missing = [n for n in names if not (folder / n).exists()]
    assert not missing, f"no golden file for {missing}; run pytest --update-golden and review the diff"
    for name in names:
        expected = (folder / name).read_bytes()
        assert build.files[name] == expected, (
            f"{sample.stem}/{name} differs from its golden file; if the change is intended, "
            "run pytest tests/test_golden.py --update-golden and review the diff"
        )


def test_no_stale_golden_folders() -> None:
    stems = {p.stem for p in SAMPLE_FILES}
    if GOLDEN.exists():
        extra = {p.name for p in GOLDEN.iterdir()} - stems
        assert not extra, f"golden folders without a sample: {extra}"
