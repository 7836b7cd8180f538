from django.apps import AppConfig


class CmsConfig(AppConfig):
    """The site project itself: system checks of the deployment."""

    name = "cms"
    verbose_name = "Site"

    def ready(self):
        from . import checks  # noqa: F401  (registers the checks)
