"""The lease that lets one ``run_worker`` at a time do the periodic work."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerLease(models.Model):
    """Who holds a named lease, until when (:mod:`recaps.worker`)."""

    name = models.CharField(_("name"), max_length=50, primary_key=True)
    holder = models.CharField(_("holder"), max_length=200, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)

    class Meta:
        verbose_name = _("worker lease")
        verbose_name_plural = _("worker leases")

    def __str__(self):
        return f"{self.name}: {self.holder}"
