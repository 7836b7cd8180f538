"""System checks of a deployment, also run when the WSGI application loads."""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.checks import Warning, register
from django.utils.module_loading import import_string

STATIC_FILES_TAG = "static_manifest"


@register(STATIC_FILES_TAG)
def static_files_collected(app_configs, **kwargs):
    """With a manifest storage, pages cannot render before ``collectstatic``."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin

    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    if not issubclass(backend, ManifestFilesMixin):
        return []
    if staticfiles_storage.exists(staticfiles_storage.manifest_name):
        return []
    return [
        Warning(
            f"Static files are not collected in {settings.STATIC_ROOT}: every "
            "HTML page will answer 500 until they are.",
            hint="Run `python manage.py collectstatic --noinput` (the production "
            "start script does).",
            id="cms.W001",
        )
    ]
