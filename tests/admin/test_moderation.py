"""Moderation: an editor submits, only a moderator can publish."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.urls import reverse
from wagtail.models import WorkflowState

from recaps.admin.moderation import setup_moderation
from recaps.models import RecapPage, Theme
from tests.admin.form_data import edition_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderation(series):
    editors, moderators, workflow = setup_moderation(series)
    users = get_user_model().objects
    editor = users.create_user("redacteur", password="x")
    editor.groups.add(editors)
    moderator = users.create_user("moderateur", password="x")
    moderator.groups.add(moderators)
    return editor, moderator, workflow


def edit(client, page, title, **actions):
    return client.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        edition_form_data(
            title=title,
            slug=page.slug,
            number=page.edition_number,
            date=page.date.isoformat(),
            **actions,
        ),
    )


def test_setup_is_idempotent_and_assigned_to_the_series(series, moderation):
    _editor, _moderator, workflow = moderation
    assert setup_moderation(series)[2] == workflow
    assert series.get_workflow() == workflow
    assert [task.specific.groups.get().name for task in workflow.tasks] == [
        "Modérateurs"
    ]


def test_editor_can_edit_but_not_publish(client, moderation, make_edition):
    editor, _moderator, _workflow = moderation
    page = make_edition(title="Titre publié")
    client.force_login(editor)
    response = edit(client, page, "Titre modifié", **{"action-publish": "1"})
    assert response.status_code == 302
    page.refresh_from_db()
    assert page.title == "Titre publié"  # the live version did not change
    assert page.has_unpublished_changes
    assert page.get_latest_revision_as_object().title == "Titre modifié"
    assert client.get(page.url).content.decode().count("Titre modifié") == 0


def test_editor_creates_a_draft_under_the_series(client, moderation, series):
    editor, _moderator, _workflow = moderation
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:add", args=("recaps", "recappage", series.pk)),
        edition_form_data(title="Nouvelle", slug="nouvelle", **{"action-publish": "1"}),
    )
    assert response.status_code == 302
    page = RecapPage.objects.get(slug="nouvelle")
    assert not page.live


def test_editor_submits_and_moderator_approves_and_publishes(
    client, moderation, make_edition
):
    editor, moderator, workflow = moderation
    page = make_edition(title="Titre publié")
    client.force_login(editor)
    response = edit(client, page, "Titre relu", **{"action-submit": "1"})
    assert response.status_code == 302
    state = WorkflowState.objects.get(object_id=str(page.pk))
    assert state.status == WorkflowState.STATUS_IN_PROGRESS
    assert state.workflow == workflow
    page.refresh_from_db()
    assert page.title == "Titre publié"

    task_state = state.current_task_state
    approve = reverse(
        "wagtailadmin_pages:workflow_action", args=(page.pk, "approve", task_state.pk)
    )
    # The editor is not in the moderators' group: approving is refused.
    client.post(approve, {"comment": ""})
    page.refresh_from_db()
    assert page.title == "Titre publié"

    client.force_login(moderator)
    response = client.post(approve, {"comment": "Parfait"})
    assert response.status_code in (200, 302)
    page.refresh_from_db()
    state.refresh_from_db()
    assert state.status == WorkflowState.STATUS_APPROVED
    assert page.live and page.title == "Titre relu"
    assert "Titre relu" in client.get(page.url).content.decode()


def test_moderators_curate_themes_editors_do_not(client, moderation):
    editor, moderator, _workflow = moderation
    source = Theme.objects.create(name="digital")
    target = Theme.objects.create(name="numérique")
    url = reverse("recaps_theme_modeladmin_index")
    merge = reverse("recaps_theme_modeladmin_merge", args=(source.pk,))
    client.force_login(editor)
    assert client.get(url).status_code in (302, 403)
    assert client.post(merge, {"target": target.pk}).status_code in (302, 403)
    assert Theme.objects.filter(pk=source.pk).exists()
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    assert client.get(reverse("editions:index")).status_code == 200


def test_submitting_empty_sections_for_moderation_warns_the_editor(
    client, moderation, make_edition
):
    """In a moderated series the editor never presses “Publish”: submitting is
    when they learn which headings readers would not see."""
    editor, _moderator, _workflow = moderation
    page = make_edition(title="Titre publié")
    client.force_login(editor)
    response = client.post(
        reverse("wagtailadmin_pages:edit", args=(page.pk,)),
        edition_form_data(
            title="Titre relu",
            slug=page.slug,
            number=page.edition_number,
            date=page.date.isoformat(),
            sections=[
                ("highlights", "Ce qui a été partagé", ["Un point"]),
                ("nuggets", "Pour aller plus loin", []),
            ],
            **{"action-submit": "1"},
        ),
    )
    assert response.status_code == 302
    assert WorkflowState.objects.filter(object_id=str(page.pk)).exists()
    warnings = [
        str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"
    ]
    assert warnings == [
        "La section « Pour aller plus loin » n’a rien sous son titre : les lecteurs "
        "ne la verront pas. Ajoutez-y des points ou supprimez-la."
    ]
