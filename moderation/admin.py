from django.contrib import admin

from community.admin import PrivateAdmin
from moderation.models import AuditLogEntry


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(PrivateAdmin):
    """Read-only for everyone, superusers included: the audit log is append-only."""

    list_display = [
        "created_at",
        "actor_pseudonym",
        "action",
        "target_kind",
        "target_id",
        "target_pseudonym",
        "group_id",
    ]
    list_filter = ["action", "target_kind"]
    search_fields = ["actor_pseudonym", "target_pseudonym", "reason"]
    readonly_fields = [field.name for field in AuditLogEntry._meta.fields]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
