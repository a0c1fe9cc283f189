from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def setup_signal_handlers(self):
        from community import handlers  # noqa: F401

    def ready(self):
        self.setup_signal_handlers()
