from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self):
        # cycle: apps.py loads before the models; what follows imports them.
        from community import handlers  # noqa: F401
        from community.search import register_source
        from community.selectors.search import POSTS_SOURCE

        register_source(POSTS_SOURCE)
