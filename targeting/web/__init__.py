"""``targeting serve``: the whole year on a web page, for commune staff who do not use a terminal.

The pages (Vietnamese first, English on a switch) walk the year: upload the register, make the
plan and download the lists, upload the workbook the village meeting filled in and plan again,
and a year later upload the new registers and see the review. Every register, plan, review and
comparison is a folder under ``--data``, the very folders the command line reads and writes.

This sub-package sits on top of the library (it calls :func:`targeting.plan.make_plan`,
:func:`targeting.review.review_plan`, ...) and never imports click; ``targeting.cli`` imports it
only when ``serve`` runs. It needs the extra ``pip install "targeting[web]"``.
"""

from __future__ import annotations

from .app import create_app, share_url
from .serve import serve
from .uploads import Limits

__all__ = ["create_app", "serve", "share_url", "Limits"]
