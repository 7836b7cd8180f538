"""Admin customisation of the recaps app."""
