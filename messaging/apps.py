from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self):
        # cycle: apps.py is imported before the models exist; what follows imports them.
        from community.demo import register_seeder
        from community.search import register_source
        from messaging import handlers  # noqa: F401
        from messaging.demo import seed_conversations
        from messaging.selectors.search import MESSAGES_SOURCE

        register_seeder(seed_conversations)
        register_source(MESSAGES_SOURCE)
