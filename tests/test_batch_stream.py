"""Issue 19, batch memory: a batch stages each profile's files as it is built, and stays all or nothing.

``generate`` with several profiles names every file up front (``output.Later``),
checks the folder, then builds one profile at a time, staging its files and
letting them go before the next is built. A failure at any profile still
leaves the output folder exactly as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import MINIMAL

from generator import api, output
from generator.errors import OutputError, RenderError
from generator.profile import load_profile


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def profiles(tmp_path: Path) -> list[Path]:
    out = []
    for i, name in enumerate(("a", "b", "c")):
        p = tmp_path / f"{name}.yaml"
        p.write_text(MINIMAL.replace("PixelPals", f"Company{i}"), encoding="utf-8")
        out.append(p)
    return out


def test_each_profile_is_staged_before_the_next_is_built(
    tmp_path: Path, profiles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    # In one process (child processes build a few groups ahead, and their memory goes with them:
    # tests/test_workers.py), each profile is built only once the previous one is staged.
    monkeypatch.setenv("POLICYGEN_NO_FORK", "1")
    out = tmp_path / "out"
    staged_when_built: list[int] = []
    real_build = api.build_many

    def watching(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        # count the staged files of earlier profiles present on disk when this one is built
        staged = [n for _, _, files in os.walk(out) for n in files if n.startswith(output.PREFIX + "new-")]
        staged_when_built.append(len(staged))
        return real_build(*args, **kwargs)

    monkeypatch.setattr(api, "build_many", watching)
    result = api.generate(profiles, out, formats=["md", "html"], keep_builds=False)
    first = load_profile(profiles[0])
    docs = [*api.ALL_DOCS, *([api.NOTICES] if api.notices_by_default(first) else [])]
    per_profile = len(api.build_names(docs, ["md", "html"], first))
    assert staged_when_built == [0, per_profile, 2 * per_profile]
    assert len(result.written) == 3 * per_profile
    # the summaries keep counts and names, not documents, decisions or bytes
    assert all(b.documents == {} and b.decisions == [] and b.clause_count > 0 for b in result.builds)
    assert all(set(b.files.values()) == {b""} for b in result.builds)
    assert not [p for p in out.rglob("*") if p.name.startswith(output.PREFIX)]


def test_a_failure_at_the_last_profile_leaves_the_folder_as_it_was(
    tmp_path: Path, profiles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    api.generate(profiles, out, formats=["md"])
    before = snapshot(out)
    real_build = api.build_many

    def failing(chunk, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if any(Path(p.source).stem == "c" for p in chunk):
            raise RenderError("Cannot render c.yaml (injected)")
        return real_build(chunk, *args, **kwargs)

    monkeypatch.setattr(api, "build_many", failing)
    with pytest.raises(RenderError):
        api.generate(profiles, out, formats=["md", "html"], force=True)
    assert snapshot(out) == before  # no partial output, no staged files left behind, nothing replaced


def test_a_file_in_the_way_fails_before_anything_is_built(
    tmp_path: Path, profiles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / "b").mkdir(parents=True)
    (out / "b" / "tos.md").write_text("mine", encoding="utf-8")
    built: list[str] = []
    real_build = api.build_many

    def counting(chunk, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        built.extend(p.source for p in chunk)
        return real_build(chunk, *args, **kwargs)

    monkeypatch.setattr(api, "build_many", counting)
    with pytest.raises(OutputError, match="already exist"):
        api.generate(profiles, out, formats=["md"])
    assert built == []
    assert snapshot(out) == {"b/tos.md": b"mine"}


def test_later_must_build_exactly_the_files_it_named(tmp_path: Path) -> None:
    out = tmp_path / "out"
    later = output.Later(("x/a.md", "x/b.md"), lambda: {"x/a.md": b"a"})
    with pytest.raises(OutputError, match="expected to build"):
        output.commit([output.Target(out, {"first.md": b"1"}, False, [later])])
    assert not out.exists()


def test_build_names_match_what_build_makes(tmp_path: Path, profiles: list[Path]) -> None:
    result = api.generate(profiles[:1], tmp_path / "out", docs=["tos", "sop"], formats=["md", "docx"])
    assert sorted(result.builds[0].files) == sorted(api.build_names(["tos", "sop"], ["md", "docx"]))


def test_a_batch_lays_out_in_one_libreoffice_run_per_chunk(
    tmp_path: Path, profiles: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """PDF or contents page numbers: LibreOffice starts once for a chunk of profiles, not once per profile."""
    import generator.render as render

    runs: list[list[str]] = []

    class FakeSession:
        def __enter__(self):  # noqa: ANN204
            return self

        def __exit__(self, *exc: object) -> None:
            pass

        def layout(self, documents, *, pdf=True, pages=True):  # noqa: ANN001, ANN201
            runs.append(sorted(documents))
            return {n.rsplit(".", 1)[0] + ".pdf": b"%PDF-fake " + n.encode() for n in documents}, {}

    monkeypatch.setattr(render, "Session", FakeSession)
    monkeypatch.setattr(render, "require_soffice", lambda: "soffice")  # LibreOffice need not be installed
    monkeypatch.setattr(render, "font_fallback", lambda: None)
    monkeypatch.setattr(api, "want_toc_pages", lambda toc_pages=None: False)
    monkeypatch.setattr(api, "LAYOUT_CHUNK", 2)
    out = tmp_path / "out"
    api.generate(profiles, out, docs=["tos", "tips"], formats=["md", "pdf"], toc_pages=False)
    assert runs == [["0/tips.docx", "0/tos.docx", "1/tips.docx", "1/tos.docx"], ["0/tips.docx", "0/tos.docx"]]
    assert (out / "b" / "tos.pdf").read_bytes() == b"%PDF-fake 1/tos.docx"  # each profile gets its own PDFs
    assert (out / "c" / "tips.pdf").read_bytes() == b"%PDF-fake 0/tips.docx"
