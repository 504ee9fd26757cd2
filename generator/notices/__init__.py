"""The notice-and-action kit (``--doc notices``): report forms, letters and clocks.

Lives here: what the law asks of each form, letter and clock, as data with
its provision and verification mark (``catalogue.py``: DSA Art 16 and 17,
the TAKE IT DOWN Act, the UK's intimate-image reports, and the general
child-safety report that routes to the SOP's intake); and the kit for one
profile (``build.py``): the notices document model, the standalone report
forms (HTML without JavaScript) and their JSON Schemas, the public "how to
report" page, and the clocks ``sop.json`` carries as ``notice_clocks``.

May import: ``profile``, ``library``, ``documents`` and the infrastructure.
It never imports ``render``, ``review`` or ``checks``; the renderers render
the kit's document model like any other document.
"""

from .build import build_notices, wants_notices

__all__ = ["build_notices", "wants_notices"]
