"""Moderation: editors write and submit, moderators approve and publish.

``setup_moderation(series)`` creates (or completes) the two groups, their
permissions on the series and a workflow with one approval task for moderators,
assigned to the series. Running it again changes nothing (``manage.py
create_demo_accounts`` calls it).
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

EDITORS_GROUP = "Rédacteurs"
MODERATORS_GROUP = "Modérateurs"
WORKFLOW_NAME = "Relecture des éditions"
TASK_NAME = "Validation par un modérateur"

EDITOR_PAGE_PERMISSIONS = ["add_page", "change_page", "lock_page", "unlock_page"]
MODERATOR_PAGE_PERMISSIONS = [*EDITOR_PAGE_PERMISSIONS, "publish_page"]
DOCUMENT_PERMISSIONS = ["add_document", "choose_document"]
#: Moderators also curate the themes (rename, describe, merge, delete unused).
THEME_PERMISSIONS = ["add_theme", "change_theme", "delete_theme"]
#: … and follow the webhooks (deliveries, redeliver, test event: admin/webhooks.py).
WEBHOOK_PERMISSIONS = ["monitor_webhooks"]


def _permission(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def _group(name, page, page_permissions):
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.add(_permission("wagtailadmin", "access_admin"))
    for codename in page_permissions:
        GroupPagePermission.objects.get_or_create(
            group=group, page=page, permission=_permission("wagtailcore", codename)
        )
    root_collection = Collection.get_first_root_node()
    for codename in DOCUMENT_PERMISSIONS:
        GroupCollectionPermission.objects.get_or_create(
            group=group,
            collection=root_collection,
            permission=_permission("wagtaildocs", codename),
        )
    return group


@transaction.atomic
def setup_moderation(series):
    """Groups “Rédacteurs” and “Modérateurs” and the series' approval workflow.

    Returns ``(editors, moderators, workflow)``.
    """
    editors = _group(EDITORS_GROUP, series, EDITOR_PAGE_PERMISSIONS)
    moderators = _group(MODERATORS_GROUP, series, MODERATOR_PAGE_PERMISSIONS)
    moderators.permissions.add(
        *(
            _permission("recaps", codename)
            for codename in THEME_PERMISSIONS + WEBHOOK_PERMISSIONS
        )
    )

    task = GroupApprovalTask.objects.filter(name=TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=TASK_NAME)
    task.groups.add(moderators)

    workflow, _ = Workflow.objects.get_or_create(name=WORKFLOW_NAME)
    if not workflow.active:
        workflow.active = True
        workflow.save(update_fields=["active"])
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.update_or_create(page=series, defaults={"workflow": workflow})
    return editors, moderators, workflow
