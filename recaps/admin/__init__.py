"""Admin views of the recaps app (Wagtail page listing of editions)."""
