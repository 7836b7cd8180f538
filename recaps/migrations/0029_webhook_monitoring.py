"""The ``monitor_webhooks`` permission, granted to the existing moderators."""

from django.db import migrations

#: recaps.admin.moderation.MODERATORS_GROUP, and Wagtail's own default group.
MODERATOR_GROUPS = ["Modérateurs", "Moderators"]
NAME = "Can monitor webhooks (deliveries, redeliver, test event)"


def grant_to_moderators(apps, schema_editor):
    groups = apps.get_model("auth", "Group").objects.filter(name__in=MODERATOR_GROUPS)
    if not groups.exists():
        return
    content_type, _ = apps.get_model(
        "contenttypes", "ContentType"
    ).objects.get_or_create(app_label="recaps", model="webhookdelivery")
    permission, _ = apps.get_model("auth", "Permission").objects.get_or_create(
        content_type=content_type,
        codename="monitor_webhooks",
        defaults={"name": NAME},
    )
    for group in groups:
        group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("recaps", "0028_search_index_fastupdate_off"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="webhookdelivery",
            options={
                "ordering": ["-created_at", "-pk"],
                "permissions": [("monitor_webhooks", NAME)],
                "verbose_name": "webhook delivery",
                "verbose_name_plural": "webhook deliveries",
            },
        ),
        migrations.RunPython(grant_to_moderators, migrations.RunPython.noop),
    ]
