from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self):
        # cycle: apps.py is imported before the models exist; what follows imports them.
        from community import restrictions
        from community.demo import register_seeder
        from messaging import call_audit
        from moderation.actions.calls import record_call_action
        from moderation.demo import seed_moderation
        from moderation.selectors.blocks import (
            has_blocked,
            hidden_author_ids,
            kept_apart_ids,
        )
        from moderation.selectors.sanctions import active_mute_until

        # Blocks, mutes and sanctions are moderation's: community and messaging ask here.
        restrictions.register(
            restrictions.Restrictions(
                hidden_author_ids=hidden_author_ids,
                has_blocked=has_blocked,
                mute_ends_at=active_mute_until,
                kept_apart_ids=kept_apart_ids,
            )
        )
        register_seeder(seed_moderation)
        # Call host actions are messaging's frames; their audit rows are moderation's.
        call_audit.register(record_call_action)
