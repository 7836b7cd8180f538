from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecapsConfig(AppConfig):
    name = "recaps"
    verbose_name = _("Recaps")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from wagtail.signals import init_new_page

        from .editing import prefill_on_create

        init_new_page.connect(prefill_on_create, dispatch_uid="recaps_prefill_edition")
