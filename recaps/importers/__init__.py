"""Importers: turn recap sources into series and edition pages."""
