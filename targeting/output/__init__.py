"""Everything written for people and scripts: folders written whole, the
beneficiary workbook (:mod:`.excel`) and the HTML report (:mod:`.html`)."""

from __future__ import annotations

from .files import (
    neutralise,
    neutralise_frame,
    safe_csv,
    write_folder_atomically,
    write_table_atomically,
)

__all__ = ["neutralise", "neutralise_frame", "safe_csv", "write_folder_atomically",
           "write_table_atomically"]
