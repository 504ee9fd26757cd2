"""Architecture guards: the click layer stays thin and on top, and the layers keep their rules.

The import graph is computed from the source with ``ast``: every relative and
absolute import inside ``generator/`` is resolved to a module path, and each
module is assigned to its area (a subpackage, or the root for ``cli``,
``api``, ``errors``, ``cache`` and ``output``).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import generator

PACKAGE = Path(generator.__file__).parent
SUBPACKAGES = ("profile", "library", "documents", "render", "review", "checks", "records", "notices")
INFRASTRUCTURE = ("errors", "cache", "output", "tables", "limits", "workers")
TOP_FLOOR = ("cli", "api", "__main__")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(["generator", *parts])


def internal_imports(path: Path) -> set[str]:
    """Every ``generator.*`` module (or name within one) that ``path`` imports, as a dotted path."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = [*base, *(node.module.split(".") if node.module else [])]
            else:
                target = (node.module or "").split(".")
            if target[0] != "generator":
                continue
            for alias in node.names:
                found.add(".".join([*target, alias.name]))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "generator")
    return found


def area(dotted: str) -> str:
    """The area a dotted path belongs to: a subpackage name, or the root module's name."""
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else "generator"


def graph() -> dict[str, set[str]]:
    """Source module -> the dotted paths it imports (only inside the package)."""
    return {module_name(p): internal_imports(p) for p in sorted(PACKAGE.rglob("*.py"))}


def test_the_subpackages_exist_with_a_docstring_saying_what_lives_there_and_may_be_imported() -> None:
    for sub in SUBPACKAGES:
        init = PACKAGE / sub / "__init__.py"
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{sub}/__init__.py has no docstring"
        assert "Lives here" in doc and "May import" in doc, (
            f"{sub}/__init__.py must say what lives there and what it may import"
        )
    root_modules = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert root_modules == sorted(["__init__", "__main__", "api", "cli", *INFRASTRUCTURE])


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
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("stdout", "stderr")
                and getattr(node.value, "id", "") == "sys"
            ):
                offenders.append(f"{p.name}:{node.lineno} (sys.{node.attr})")
    assert offenders == []


def test_nothing_below_the_top_floor_imports_cli_or_api() -> None:
    offenders = [
        f"{src} imports {dst}"
        for src, targets in graph().items()
        if area(src) not in TOP_FLOOR
        for dst in targets
        if dst.startswith(("generator.cli", "generator.api"))
    ]
    assert offenders == []


def test_render_reads_only_the_model_the_templating_helpers_and_the_infrastructure() -> None:
    allowed = ("generator.render", "generator.documents.model", "generator.library.templating", "generator.__version__")
    allowed += tuple(f"generator.{m}" for m in INFRASTRUCTURE)
    offenders = [
        f"{src} imports {dst}"
        for src, targets in graph().items()
        if area(src) == "render"
        for dst in targets
        if not dst.startswith(allowed)
    ]
    assert offenders == []


@pytest.mark.parametrize("lower", ["profile", "library"])
def test_profile_and_library_never_import_the_layers_above(lower: str) -> None:
    above = {"documents", "render", "review", "checks", "cli", "api"}
    offenders = [
        f"{src} imports {dst}"
        for src, targets in graph().items()
        if area(src) == lower
        for dst in targets
        if area(dst) in above
    ]
    assert offenders == []


def test_profile_does_not_import_the_library() -> None:
    offenders = [
        f"{s} imports {d}" for s, ts in graph().items() if area(s) == "profile" for d in ts if area(d) == "library"
    ]
    assert offenders == []


def test_no_import_cycles_between_subpackages() -> None:
    edges: dict[str, set[str]] = defaultdict(set)
    for src, targets in graph().items():
        for dst in targets:
            a, b = area(src), area(dst)
            if a in SUBPACKAGES and b in SUBPACKAGES and a != b:
                edges[a].add(b)
    # Depth-first search for a back edge.
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(node: str, path: list[str]) -> bool:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycle.extend([*path, node, nxt])
                return True
            if nxt not in state and visit(nxt, [*path, node]):
                return True
        state[node] = 2
        return False

    for sub in SUBPACKAGES:
        if sub not in state and visit(sub, []):
            break
    assert cycle == [], " -> ".join(cycle)


def test_the_graph_sees_real_edges() -> None:
    """Guard the guard: the graph must find imports we know exist, or the rules above pass vacuously."""
    g = graph()
    assert "generator.documents.model.Document" in g["generator.render.markdown"]
    assert any(d.startswith("generator.library") for d in g["generator.documents.assemble"])


def test_subpackages_re_export_only_names_other_areas_use() -> None:
    used: dict[str, set[str]] = defaultdict(set)
    for src, targets in graph().items():
        for dst in targets:
            parts = dst.split(".")
            if len(parts) == 3 and parts[1] in SUBPACKAGES and area(src) != parts[1]:
                used[parts[1]].add(parts[2])
    tests_dir = PACKAGE.parent / "tests"
    for sub in SUBPACKAGES:
        tree = ast.parse((PACKAGE / sub / "__init__.py").read_text(encoding="utf-8"))
        exported = set()
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                exported = set(ast.literal_eval(node.value))
        unused = sorted(n for n in exported - used[sub] if n != "Renderer")
        assert unused == [], f"{sub}/__init__.py re-exports names no other area imports: {unused}"
        assert tests_dir.is_dir()


def test_every_error_class_has_an_exit_code() -> None:
    from generator import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, errors.PolicyGenError)]
    assert len(classes) >= 6
    assert {c.exit_code for c in classes} == {1, 2, 3}


def test_cli_stays_thin() -> None:
    """The click layer parses options, calls the API and prints.

    Helpers in cli.py that are not commands stay a few lines long: anything
    that builds data (tables, summaries, profiles) lives with that data.
    """
    tree = ast.parse((PACKAGE / "cli.py").read_text(encoding="utf-8"))
    long_helpers = []
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name in ("main", "cli"):
            continue
        is_command = any("command" in ast.unparse(d) for d in node.decorator_list)
        length = (node.end_lineno or node.lineno) - node.lineno + 1
        if not is_command and length > 15:
            long_helpers.append(f"{node.name} ({length} lines)")
    assert long_helpers == []
