"""Fixtures of the admin tests: a logged-in superuser client, admin URLs."""

import pytest
from django.urls import reverse


@pytest.fixture
def add_edition_url(series):
    return reverse("wagtailadmin_pages:add", args=("recaps", "recappage", series.pk))


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=(page.pk,))
