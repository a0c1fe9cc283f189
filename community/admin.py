from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community.models import (
    AdvocateProfile,
    Article,
    CheckChoice,
    CheckQuestion,
    ModuleArticle,
    Profile,
    Specialty,
    SupportFeedback,
    SupportRequest,
    TrainingModule,
    User,
)
from community.permissions import has_mfa
from community.selectors.resources import has_completed_advocate_training
from community.services.advocates import (
    AdvocateError,
    decline_advocate,
    suspend_advocate,
    verification_refusal,
    verify_advocate,
)
from community.services.perspectives import sync_sections


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


# --- advocates, support requests, resources and training -------------------------------------


class AdvocateDecisionForm(forms.ModelForm):
    """Staff decide on an application here; the decision runs through the services, which
    refuse verification until training and two-factor authentication are done."""

    DECISIONS = [
        ("", _("No change")),
        ("verify", _("Verify")),
        ("decline", _("Decline (give a reason)")),
        ("suspend", _("Suspend (give a reason)")),
    ]
    decision = forms.ChoiceField(choices=DECISIONS, required=False)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Shown to the applicant."),
    )

    class Meta:
        model = AdvocateProfile
        fields = ["specialties"]

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if decision in ("decline", "suspend") and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Give the applicant a reason."))
        if decision == "verify" and (refusal := verification_refusal(self.instance)):
            self.add_error("decision", refusal)
        return cleaned


@admin.register(AdvocateProfile)
class AdvocateProfileAdmin(admin.ModelAdmin):
    form = AdvocateDecisionForm
    list_display = ["pseudonym", "status", "accepting_requests", "capacity", "applied_at"]
    list_filter = ["status", "specialties"]
    search_fields = ["user__profile__pseudonym"]
    list_select_related = ["user__profile"]
    readonly_fields = [
        "pseudonym",
        "status",
        "credentials",
        "languages",
        "time_zone",
        "public_bio",
        "capacity",
        "accepting_requests",
        "decision_reason",
        "applied_at",
        "reviewed_at",
        "training_completed",
        "mfa_enabled",
    ]
    fields = [
        "pseudonym",
        "status",
        "training_completed",
        "mfa_enabled",
        "specialties",
        "credentials",
        "languages",
        "time_zone",
        "public_bio",
        "capacity",
        "accepting_requests",
        "applied_at",
        "reviewed_at",
        "decision_reason",
        "decision",
        "reason",
    ]
    actions = ["verify_selected"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("pseudonym"))
    def pseudonym(self, advocate):
        return advocate.user.profile.pseudonym

    @admin.display(boolean=True, description=_("advocate training completed"))
    def training_completed(self, advocate):
        return has_completed_advocate_training(user_id=advocate.user_id)

    @admin.display(boolean=True, description=_("two-factor authentication on"))
    def mfa_enabled(self, advocate):
        return has_mfa(advocate.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        decision = form.cleaned_data.get("decision")
        reason = form.cleaned_data.get("reason", "")
        if decision == "verify":
            verify_advocate(advocate=obj, reviewer=request.user)
        elif decision == "decline":
            decline_advocate(advocate=obj, reviewer=request.user, reason=reason)
        elif decision == "suspend":
            suspend_advocate(advocate=obj, reviewer=request.user, reason=reason)

    @admin.action(description=_("Verify selected applicants"))
    def verify_selected(self, request, queryset):
        for advocate in queryset.select_related("user__profile"):
            try:
                verify_advocate(advocate=advocate, reviewer=request.user)
            except AdvocateError as error:
                self.message_user(
                    request, f"{advocate.user.profile.pseudonym}: {error}", messages.ERROR
                )


@admin.register(Specialty)
class SpecialtyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    """For escalations: staff see what is waiting, never who the member is (no pseudonym,
    no email); the summary is there so they can find the right advocate."""

    list_display = ["id", "specialty", "urgency", "status", "created_at", "flagged_for_staff_at"]
    list_filter = [
        "status",
        "urgency",
        "specialty",
        ("flagged_for_staff_at", admin.EmptyFieldListFilter),
    ]
    readonly_fields = [
        "specialty",
        "summary",
        "language",
        "urgency",
        "status",
        "created_at",
        "routed_at",
        "accepted_at",
        "resolved_at",
        "withdrawn_at",
        "escalated_to_pool_at",
        "flagged_for_staff_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupportFeedback)
class SupportFeedbackAdmin(admin.ModelAdmin):
    """Private feedback: staff alone read it (advocates never see it)."""

    list_display = ["id", "rating", "created_at", "advocate"]
    list_select_related = ["request__accepted_by__profile"]
    readonly_fields = ["rating", "comment", "created_at", "advocate"]
    fields = readonly_fields

    @admin.display(description=_("advocate who answered"))
    def advocate(self, feedback):
        accepted_by = feedback.request.accepted_by
        return accepted_by.profile.pseudonym if accepted_by else "—"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "published", "updated_at"]
    list_filter = ["published"]
    search_fields = ["title", "summary"]
    prepopulated_fields = {"slug": ["title"]}

    def save_model(self, request, obj, form, change):
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
        # Its headings are its sections, where members add perspectives (kept per heading).
        sync_sections(article=obj)


class ModuleArticleInline(admin.TabularInline):
    model = ModuleArticle
    extra = 1


class CheckQuestionInline(admin.TabularInline):
    model = CheckQuestion
    extra = 1
    show_change_link = True


@admin.register(TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "required_for_advocates", "published"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleArticleInline, CheckQuestionInline]


class CheckChoiceInline(admin.TabularInline):
    model = CheckChoice
    extra = 2


@admin.register(CheckQuestion)
class CheckQuestionAdmin(admin.ModelAdmin):
    list_display = ["prompt", "module", "position"]
    list_filter = ["module"]
    inlines = [CheckChoiceInline]


# allauth registers admins that list every member's email address, and their IP addresses and
# browsers: staff are "another person" too (DESIGN.md invariant 1), so those pages do not exist.
# A member manages their own addresses and sessions from their settings.
for model in (EmailAddress, UserSession):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
