"""Generate realistic French editions in bulk (``manage.py generate_recaps``).

:mod:`.content` draws the content of an edition from a seed; :mod:`.writer`
writes many editions as real Wagtail pages in a few bulk queries;
:mod:`.vocabulary` holds the words they are made of, taken from the legacy page
of "Les petites ébullitions du Vendredi" and the demo data.
"""
