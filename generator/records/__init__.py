"""The compliance records pack: risk assessments, measure registers and deadlines.

Lives here: the regulators' structures as data (``catalogue.yaml``: kinds of
harm, Risk Profile factors, Ofcom code measures and DSA articles, each with
the clause ids that can implement it); the provider's own answers
(``assessments.py``, ``assessments.yaml`` beside the profile); assembly of
``records.json`` and the records' document model (``build.py``); and the
calendar (``calendar.py``, ``deadlines.ics``).

May import: ``profile``, ``library``, ``documents`` and the infrastructure.
It never imports ``render``, ``review`` or ``checks``; the renderers render
the records' document model like any other document.
"""

from .build import build_records, measure_gaps, wants_records

__all__ = ["build_records", "measure_gaps", "wants_records"]
