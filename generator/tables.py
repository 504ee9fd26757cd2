"""Plain-text tables for terminal output, shared by the commands that list things."""

from __future__ import annotations

from collections.abc import Sequence


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Return an aligned table with a rule under the header (the last column is not padded)."""
    cells = [[str(c) for c in headers], *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers) - 1)]

    def line(row: list[str]) -> str:
        padded = [c.ljust(w) for c, w in zip(row[:-1], widths, strict=False)]
        return "  ".join([*padded, row[-1]]).rstrip()

    rule = ["-" * len(h) for h in cells[0]]
    return "\n".join([line(cells[0]), line(rule), *(line(r) for r in cells[1:])]) + "\n"
