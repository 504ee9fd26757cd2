"""Renderers: one per output format, all reading the same document model."""

from __future__ import annotations

from collections.abc import Callable

from ..model import Document
from ..skeletons import Templates

Renderer = Callable[[Document, Templates], bytes]


def renderer(fmt: str) -> Renderer:
    """Return the render function for ``md``, ``html`` or ``docx`` (imported lazily)."""
    if fmt == "md":
        from .markdown import render_markdown

        return render_markdown
    if fmt == "html":
        from .html import render_html

        return render_html
    if fmt == "docx":
        from .docx import render_docx

        return render_docx
    raise ValueError(f"unknown format {fmt!r}")
