from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecapsConfig(AppConfig):
    name = "recaps"
    verbose_name = _("Recaps")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Both read the models, which cannot load before the app registry.
        from .pdf import register_routes
        from .signal_handlers import register_signal_handlers

        register_signal_handlers(self)
        register_routes()
