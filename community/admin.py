from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import NestedObjects, quote
from django.db import router
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from community.models import (
    AdvocateProfile,
    Article,
    CheckChoice,
    CheckQuestion,
    MatchingCounsellor,
    ModuleArticle,
    PendingSpecialty,
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
    approve_specialty,
    decline_advocate,
    decline_specialty,
    suspend_advocate,
    verification_refusal,
    verify_advocate,
)
from community.services.perspectives import sync_sections


class PrivateDeletePage:
    """A model admin whose delete confirmation names related rows without revealing them.

    Django's delete page lists every row the deletion takes with it by its str(): for an
    account that listed the email address and each session's IP address and browser (allauth's
    EmailAddress and UserSession), which staff must never see. Here a row of a model staff may
    open in the admin is shown as that admin shows it (a link, its neutral str()); any other
    row only by its kind and number."""

    def get_deleted_objects(self, objs, request):
        return deleted_objects_named_neutrally(objs, request, self.admin_site)


class PrivateAdmin(PrivateDeletePage, admin.ModelAdmin):
    pass


def deleted_objects_named_neutrally(objs, request, admin_site):
    """django.contrib.admin.utils.get_deleted_objects, naming rows as PrivateAdmin says."""
    objs = list(objs)
    if not objs:
        return [], {}, set(), []
    collector = NestedObjects(using=router.db_for_write(objs[0]._meta.model), origin=objs)
    collector.collect(objs)
    perms_needed = set()

    def describe(obj):
        opts = obj._meta
        kind = capfirst(opts.verbose_name)
        if not admin_site.is_registered(obj.__class__):
            return f"{kind} #{obj.pk}"
        if not admin_site.get_model_admin(obj.__class__).has_delete_permission(request, obj):
            perms_needed.add(opts.verbose_name)
        try:
            url = reverse(
                f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change",
                args=[quote(obj.pk)],
            )
        except NoReverseMatch:
            return f"{kind}: {obj}"
        return format_html('{}: <a href="{}">{}</a>', kind, url, str(obj))

    to_delete = collector.nested(describe)
    protected = [describe(obj) for obj in collector.protected]
    model_count = {
        model._meta.verbose_name_plural: len(rows) for model, rows in collector.model_objs.items()
    }
    return to_delete, model_count, perms_needed, protected


@admin.register(User)
class UserAdmin(PrivateAdmin):
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
class ProfileAdmin(PrivateAdmin):
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
class AdvocateProfileAdmin(PrivateAdmin):
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
        "waiting_specialties",
    ]
    fields = [
        "pseudonym",
        "status",
        "training_completed",
        "mfa_enabled",
        "specialties",
        "waiting_specialties",
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

    @admin.display(description=_("specialties waiting for approval"))
    def waiting_specialties(self, advocate):
        waiting = [pending.specialty.name for pending in advocate.pending_specialties.all()]
        return ", ".join(waiting) or "—"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Ticking a waiting specialty here approves it.
        advocate = form.instance
        for pending in advocate.pending_specialties.filter(
            specialty__in=advocate.specialties.all()
        ):
            approve_specialty(pending=pending, reviewer=request.user)

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


@admin.register(PendingSpecialty)
class PendingSpecialtyAdmin(PrivateAdmin):
    """A verified advocate's added specialty: not listed, no pool access, until approved."""

    list_display = ["pseudonym", "specialty", "requested_at"]
    list_select_related = ["advocate__user__profile", "specialty"]
    list_filter = ["specialty"]
    readonly_fields = ["pseudonym", "specialty", "requested_at"]
    fields = readonly_fields
    actions = ["approve_selected", "decline_selected"]

    @admin.display(description=_("advocate"))
    def pseudonym(self, pending):
        return pending.advocate.user.profile.pseudonym

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Approve selected specialties"))
    def approve_selected(self, request, queryset):
        for pending in queryset:
            approve_specialty(pending=pending, reviewer=request.user)

    @admin.action(description=_("Decline selected specialties"))
    def decline_selected(self, request, queryset):
        for pending in queryset:
            decline_specialty(pending=pending, reviewer=request.user)


@admin.register(Specialty)
class SpecialtyAdmin(PrivateAdmin):
    list_display = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SupportRequest)
class SupportRequestAdmin(PrivateAdmin):
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
class SupportFeedbackAdmin(PrivateAdmin):
    """Private feedback: staff alone read it (advocates never see it). It is credited to the
    advocate who resolved the request; after a hand-over, who answered first is shown too."""

    list_display = ["id", "rating", "created_at", "credited_advocate", "first_advocate"]
    list_select_related = ["advocate__profile", "request__accepted_by__profile"]
    readonly_fields = ["rating", "comment", "created_at", "credited_advocate", "first_advocate"]
    fields = readonly_fields

    @admin.display(description=_("advocate credited (resolved it)"))
    def credited_advocate(self, feedback):
        return _pseudonym_or_dash(feedback.advocate)

    @admin.display(description=_("advocate who answered first"))
    def first_advocate(self, feedback):
        return _pseudonym_or_dash(feedback.request.accepted_by)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def _pseudonym_or_dash(user) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    return profile.pseudonym if profile else "—"


@admin.register(Article)
class ArticleAdmin(PrivateAdmin):
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
class TrainingModuleAdmin(PrivateAdmin):
    list_display = ["title", "slug", "required_for_advocates", "published"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ModuleArticleInline, CheckQuestionInline]


class CheckChoiceInline(admin.TabularInline):
    model = CheckChoice
    extra = 2


@admin.register(CheckQuestion)
class CheckQuestionAdmin(PrivateAdmin):
    list_display = ["prompt", "module", "position"]
    list_filter = ["module"]
    inlines = [CheckChoiceInline]


# allauth registers admins that list every member's email address, and their IP addresses and
# browsers: staff are "another person" too (DESIGN.md invariant 1), so those pages do not exist.
# A member manages their own addresses and sessions from their settings.
for model in (EmailAddress, UserSession):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

# The admins other apps registered (permission groups, allauth's authenticators) get the same
# delete page as ours.
for model, model_admin in list(admin.site._registry.items()):
    if not isinstance(model_admin, PrivateDeletePage):
        admin.site.unregister(model)
        admin.site.register(
            model, type(type(model_admin).__name__, (PrivateDeletePage, type(model_admin)), {})
        )


class CounsellorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.profile.pseudonym  # never the email address


class MatchingCounsellorForm(forms.ModelForm):
    """Staff designate a matching counsellor: a verified legal advocate with two-factor
    authentication (decision 0080)."""

    user = CounsellorChoiceField(
        label=_("advocate"),
        queryset=User.objects.filter(
            advocate_profile__status=AdvocateProfile.Status.VERIFIED,
            advocate_profile__specialties__slug="legal",
            matching_counsellor__isnull=True,
        )
        .select_related("profile")
        .order_by("profile__pseudonym"),
    )

    class Meta:
        model = MatchingCounsellor
        fields = ["user"]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not has_mfa(user):
            raise forms.ValidationError(
                _("This advocate must set up two-factor authentication first."), code="mfa"
            )
        return user


@admin.register(MatchingCounsellor)
class MatchingCounsellorAdmin(PrivateAdmin):
    """Designate and remove matching counsellors. Staff see who holds the role and whether
    their browser set a key, never an entry, a blob or a match: nothing here opens anything."""

    form = MatchingCounsellorForm
    list_display = ["pseudonym", "has_key", "key_set_at", "designated_at"]
    list_select_related = ["user__profile"]

    @admin.display(description=_("advocate"))
    def pseudonym(self, counsellor):
        return counsellor.user.profile.pseudonym

    @admin.display(description=_("key set"), boolean=True)
    def has_key(self, counsellor):
        return bool(counsellor.public_key)

    def get_fields(self, request, obj=None):
        return ["user"] if obj is None else ["pseudonym", "has_key", "key_set_at", "designated_at"]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else ["pseudonym", "has_key", "key_set_at", "designated_at"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)
