"""Recaps: a reusable Wagtail app publishing meeting recaps as structured content."""
