"""The built wheel carries clauses and templates and works outside the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import MINIMAL, REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (path,) = out.glob("policygen-*.whl")
    return path


def test_wheel_contains_library_and_templates(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    repo_clauses = {p.relative_to(REPO).as_posix() for p in (REPO / "clauses").rglob("*") if p.is_file()}
    repo_templates = {p.relative_to(REPO).as_posix() for p in (REPO / "templates").rglob("*") if p.is_file()}
    for rel in repo_clauses | repo_templates:
        assert f"generator/{rel}" in names, rel
    assert "generator/cli.py" in names and "generator/py.typed" in names
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_generates_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    work = tmp_path / "elsewhere"
    work.mkdir()
    (work / "p.yaml").write_text(MINIMAL)
    env = {"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    code = "from generator.cli import main; main()"
    result = subprocess.run(
        [sys.executable, "-c", code, "generate", "p.yaml", "-o", "out"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert (work / "out" / "sop.docx").is_file()
    check = subprocess.run(
        [sys.executable, "-c", "import generator.library.clauses as c; print(c.builtin_root('clauses'))"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.stdout.strip().startswith(str(site))
