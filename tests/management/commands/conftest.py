"""Fixtures shared with the importer tests (WordPress export files)."""

from tests.importers.conftest import wxr_file, wxr_text

__all__ = ["wxr_file", "wxr_text"]
