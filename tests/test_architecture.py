"""Architecture guards: the click layer stays thin and on top."""

from __future__ import annotations

import ast
from pathlib import Path

import generator

PACKAGE = Path(generator.__file__).parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_only_cli_imports_click() -> None:
    offenders = [
        p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*.py")
        if p.name not in ("cli.py",) and "click" in imported_modules(p)
    ]
    assert offenders == []


def test_library_code_does_not_print() -> None:
    offenders = []
    for p in PACKAGE.rglob("*.py"):
        if p.name in ("cli.py", "__main__.py"):
            continue
        for node in ast.walk(ast.parse(p.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("print", "exit"):
                offenders.append(f"{p.name}:{node.lineno}")
    assert offenders == []


def test_every_error_class_has_an_exit_code() -> None:
    from generator import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.PolicyGenError)]
    assert len(classes) >= 6
    assert {c.exit_code for c in classes} == {1, 2, 3}
