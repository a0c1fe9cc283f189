from django.contrib import admin

from community.models import Profile, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """Accounts are managed by pseudonym: the email is not listed, searched or shown here."""

    list_display = ["id", "pseudonym", "is_active", "is_staff", "is_site_moderator", "date_joined"]
    list_filter = ["is_active", "is_staff", "is_site_moderator"]
    search_fields = ["profile__pseudonym"]
    fields = ["is_active", "is_staff", "is_site_moderator", "groups"]
    filter_horizontal = ["groups"]
    list_select_related = ["profile"]

    @admin.display(description="pseudonym")
    def pseudonym(self, user):
        profile = getattr(user, "profile", None)
        return profile.pseudonym if profile else "—"

    def has_add_permission(self, request):
        return False


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["pseudonym", "pronouns", "created_at"]
    search_fields = ["pseudonym"]
    fields = ["pseudonym", "pronouns", "bio"]

    def has_add_permission(self, request):
        return False
