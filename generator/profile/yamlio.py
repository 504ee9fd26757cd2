"""Safe YAML reading with line numbers, for profiles and clause front matter.

Only plain data is accepted: PyYAML's safe loader (no object-constructing
tags), no anchors or aliases (which is also the defence against "billion
laughs" expansion), no duplicate keys (a silently ignored duplicate is a typo
that hides), and a size limit. Every node's line is recorded by field path so
that validation errors can point at the line.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml

from ..errors import Problem

_CBase: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # C loader where libyaml exists


class _Base(_CBase):  # type: ignore[misc, valid-type]
    """Safe loader that leaves dates as text.

    Schema fields parse dates themselves, so a bad date is reported with its
    field path instead of failing inside the YAML constructor.
    """

    yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in _CBase.yaml_implicit_resolvers.items()
    }


MAX_BYTES = 1024 * 1024

#: Deepest nesting of lists and mappings accepted. Profiles and front matter
#: need a handful of levels; a limit far below Python's recursion limit keeps
#: every later step (indexing, constructing, validating) safe.
MAX_DEPTH = 64


class YamlProblem(Exception):
    """A file is not readable YAML data; carries the located problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


def read_text(path: Path, shown: str, *, max_bytes: int = MAX_BYTES) -> str:
    """Read a UTF-8 text file, turning every failure into a located problem."""
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise YamlProblem(Problem(shown, "", "no such file")) from None
    except IsADirectoryError:
        raise YamlProblem(Problem(shown, "", "is a directory, not a file")) from None
    except PermissionError:
        raise YamlProblem(Problem(shown, "", "cannot be read (permission denied)")) from None
    except OSError as exc:
        raise YamlProblem(Problem(shown, "", f"cannot be read ({exc.strerror})")) from None
    if len(data) > max_bytes:
        size = os.path.getsize(path)
        raise YamlProblem(Problem(shown, "", f"is {size:,} bytes; files over {max_bytes:,} bytes are refused"))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlProblem(
            Problem(
                shown,
                "",
                f"is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                line,
            )
        ) from None
    return text.removeprefix("\ufeff").replace("\r\n", "\n")


def parse_yaml(text: str, shown: str, *, line_offset: int = 0) -> tuple[Any, dict[tuple, int]]:
    """Parse one YAML document into plain data and a map of field path to line.

    Raises:
        YamlProblem: for syntax errors, aliases, duplicate keys, forbidden tags.
    """
    loader = _Base(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 + line_offset if mark else None
            col = f", column {mark.column + 1}" if mark else ""
            what = exc.problem or exc.context or "invalid YAML"
            raise YamlProblem(Problem(shown, "", f"invalid YAML{col}: {what}", line)) from None
        except yaml.YAMLError as exc:
            raise YamlProblem(Problem(shown, "", f"invalid YAML: {exc}")) from None
        except RecursionError:
            raise YamlProblem(_too_deep(shown, None)) from None
        if node is None:
            return None, {}
        _check_depth(node, shown, line_offset)
        lines: dict[tuple, int] = {}
        _index(node, (), lines, shown, line_offset, set())
        try:
            data = loader.construct_document(node)
        except yaml.constructor.ConstructorError as exc:
            mark = exc.problem_mark
            line = mark.line + 1 + line_offset if mark else None
            raise YamlProblem(
                Problem(shown, "", f"unsupported YAML: {exc.problem} (only plain data is allowed)", line)
            ) from None
        except (ValueError, OverflowError) as exc:
            raise YamlProblem(Problem(shown, "", f"unsupported YAML value: {exc}")) from None
        return data, lines
    finally:
        loader.dispose()


def _too_deep(shown: str, line: int | None) -> Problem:
    return Problem(shown, "", f"lists and mappings are nested more than {MAX_DEPTH} levels deep", line)


def _check_depth(root: yaml.Node, shown: str, off: int) -> None:
    """Refuse documents nested deeper than :data:`MAX_DEPTH`, without recursion."""
    stack: list[tuple[yaml.Node, int]] = [(root, 0)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if isinstance(node, yaml.ScalarNode) or id(node) in seen:
            continue  # aliases are refused by _index
        seen.add(id(node))
        if depth >= MAX_DEPTH:
            raise YamlProblem(_too_deep(shown, node.start_mark.line + 1 + off))
        if isinstance(node, yaml.MappingNode):
            stack.extend((n, depth + 1) for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((n, depth + 1) for n in node.value)


def _index(node: yaml.Node, path: tuple, lines: dict[tuple, int], shown: str, off: int, seen_nodes: set) -> None:
    """Record each node's line; refuse aliases, merge keys and duplicate keys.

    An alias makes the composer reuse a node object, so a node met twice is an
    alias; stopping there also stops "billion laughs" expansion.
    """
    if id(node) in seen_nodes:
        raise YamlProblem(
            Problem(
                shown,
                "",
                "anchors and aliases (&name / *name) are not allowed",
                node.start_mark.line + 1 + off,
            )
        )
    if not isinstance(node, yaml.ScalarNode):
        seen_nodes.add(id(node))
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlProblem(
                    Problem(
                        shown,
                        "",
                        "mapping keys must be plain names",
                        key_node.start_mark.line + 1 + off,
                    )
                )
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise YamlProblem(
                    Problem(
                        shown,
                        "",
                        "merge keys (<<) are not supported",
                        key_node.start_mark.line + 1 + off,
                    )
                )
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                from .schema import format_path

                raise YamlProblem(
                    Problem(
                        shown,
                        format_path((*path, key)),
                        f"is given twice (lines {seen[key] + off} and {line + off}); keep one",
                        line + off,
                    )
                )
            seen[key] = line
            _index(value_node, (*path, key), lines, shown, off, seen_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines, shown, off, seen_nodes)
