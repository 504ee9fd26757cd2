"""Plain-text tables for terminal output, shared by the commands that list things."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

#: The last column is wrapped when at least this many columns are left for it; else one block per row.
MIN_LAST_COLUMN = 30


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]], width: int | None = None) -> str:
    """Return an aligned table with a rule under the header (the last column is not padded).

    With ``width`` (the terminal's columns), no line is longer than ``width``:
    the last column is wrapped under itself when the other columns leave room
    for it, and otherwise each row becomes a block (first cell, then one
    indented ``header: value`` line per other cell, wrapped).
    """
    cells = [[str(c) for c in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers) - 1)]
    indent = sum(widths) + 2 * len(widths)
    natural = indent + max(len(r[-1]) for r in cells)
    if width is None or natural <= width:
        return _aligned(cells, widths, None)
    if width - indent >= MIN_LAST_COLUMN:
        return _aligned(cells, widths, width - indent)
    return _blocks(cells, width)


def _aligned(cells: list[list[str]], widths: list[int], last: int | None) -> str:
    pad = " " * (sum(widths) + 2 * len(widths))

    def line(row: list[str]) -> str:
        padded = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)]
        wrapped = textwrap.wrap(row[-1], last, break_long_words=False, break_on_hyphens=False) if last else []
        first, *more = wrapped or [row[-1]]
        return "\n".join(["  ".join([*padded, first]).rstrip(), *(pad + m for m in more)])

    rule = ["-" * len(h) for h in cells[0]]
    return "\n".join([line(cells[0]), line(rule), *(line(r) for r in cells[1:])]) + "\n"


def _blocks(cells: list[list[str]], width: int) -> str:
    headers, *rows = cells
    out = []
    for row in rows:
        first = row[0] + "".join(f" ({v})" for h, v in zip(headers[1:], row[1:], strict=False) if not h and v)
        lines = [first]
        for head, value in zip(headers[1:], row[1:], strict=False):
            if not value or not head:
                continue
            label = f"  {head}: "
            lines.extend(
                textwrap.wrap(
                    value,
                    width,
                    initial_indent=label,
                    subsequent_indent="    ",
                    break_long_words=False,
                    break_on_hyphens=False,
                )
            )
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"
