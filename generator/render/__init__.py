"""Renderers: one per output format, all reading the same document model.

Lives here: Markdown (``markdown.py``), HTML (``html.py``), Word
(``docx.py``, styles from ``templates/docx/reference.docx``) and PDF through
LibreOffice (``pdf.py``). Each format module is imported only when used.

May import: ``documents.model``, ``library.templating`` (the template search
path and the sandboxed environment) and the infrastructure. It never imports
the rest of ``library``, nor ``profile``, ``review`` or ``checks``.
"""

from __future__ import annotations

from collections.abc import Callable

from ..documents.model import Document
from ..library.templating import Templates
from .pdf import Session, find_soffice, font_fallback, require_soffice

__all__ = ["Renderer", "Session", "find_soffice", "font_fallback", "renderer", "require_soffice"]

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
