"""The recaps admin, one module per concern (registered by
``recaps.wagtail_hooks``): ``editions`` (listing), ``themes`` (“Thèmes”,
wagtail-modeladmin), ``forms`` (edit and copy forms), ``new_edition``
(pre-fill and copy), ``empty_sections`` (warnings), ``moderation``,
``webhooks``, ``pdf``."""
