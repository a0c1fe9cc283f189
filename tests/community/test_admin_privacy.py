"""Invariant 1 for staff: a member's email address never appears in the Django admin.

Staff are "another person" too, so neither a member's IP address nor their browser may show
either. The walk covers the list, change, delete and history pages of every model registered
in the admin, each for a row tied to the member, so a new registration that shows these fails
here. (A delete page lists every related object by its str(): it listed the member's email
address and their sessions' IP address and browser, issue 14.)
"""

from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group as PermissionGroup
from django.urls import NoReverseMatch, reverse

from community.demo.library import seed_library
from community.models import (
    AdvocateProfile,
    Article,
    CheckQuestion,
    MatchingCounsellor,
    PendingSpecialty,
    SupportFeedback,
    SupportRequest,
    TrainingModule,
)
from moderation.actions.audit import AuditTarget, record_audit
from tests.community.advocates_helpers import make_advocate, specialty
from tests.factories import make_member

SECRET_EMAIL = "real.name.at.employer@example.net"
SECRET_IP = "203.0.113.77"
SECRET_BROWSER = "DistinctiveBrowser/9.9"
SECRET_ZONE = "Pacific/Chatham"


OBJECT_PAGES = ("change", "delete", "history")


def _admin_urls_for(obj_by_model):
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        try:
            yield reverse("admin:{}_{}_changelist".format(*info))
        except NoReverseMatch:
            continue
        obj = obj_by_model[model]
        for page in OBJECT_PAGES:
            yield reverse(f"admin:{info[0]}_{info[1]}_{page}", args=[obj.pk])


def _rows_tied_to(member) -> dict:
    """One row of every model registered in the admin, each tied to `member` where it can be,
    so its delete page would list what the member's deletion takes with it."""
    seed_library()
    advocate = make_advocate(pseudonym="HelpfulKestrel2")
    AdvocateProfile.objects.create(
        user=member,
        credentials="Peer supporter",
        languages=",en,",
        time_zone="UTC",
        public_bio="I listen.",
    ).specialties.set([specialty("counselling")])
    pending = PendingSpecialty.objects.create(
        advocate=member.advocate_profile, specialty=specialty("legal")
    )
    support_request = SupportRequest.objects.create(
        member=member,
        advocate=advocate,
        accepted_by=advocate,
        specialty=specialty("counselling"),
        summary="I need to talk this through",
        language="en",
        status=SupportRequest.Status.RESOLVED,
    )
    feedback = SupportFeedback.objects.create(
        request=support_request, rating=4, comment="Kind and clear answers."
    )
    audit = record_audit(
        actor=advocate,
        action="warn",
        target=AuditTarget(kind="profile", id=member.profile.pk, user_id=member.pk, group_id=None),
    )
    counsellor = MatchingCounsellor.objects.create(user=member, public_key="A" * 43 + "=")
    permission_group = PermissionGroup.objects.create(name="Reviewers")
    member.groups.add(permission_group)
    rows = {
        PermissionGroup: permission_group,
        Authenticator: Authenticator.objects.filter(user=member).first(),
        type(member): member,
        type(member.profile): member.profile,
        AdvocateProfile: member.advocate_profile,
        PendingSpecialty: pending,
        specialty("counselling")._meta.model: specialty("counselling"),
        SupportRequest: support_request,
        SupportFeedback: feedback,
        Article: Article.objects.first(),
        TrainingModule: TrainingModule.objects.first(),
        CheckQuestion: CheckQuestion.objects.first(),
        audit._meta.model: audit,
        MatchingCounsellor: counsellor,
    }
    for obj in rows.values():
        # Something on every history page.
        LogEntry.objects.log_actions(
            user_id=advocate.pk, queryset=[obj], action_flag=CHANGE, change_message="Changed."
        )
    return rows


def test_no_admin_page_shows_a_members_email(client, db):
    member = make_member(email=SECRET_EMAIL, pseudonym="PrivateOtter51", mfa=True)
    UserSession.objects.create(
        user=member, ip=SECRET_IP, user_agent=SECRET_BROWSER, session_key="k" * 32
    )
    # The member's own time zone setting is theirs alone (community/time_zones.py).
    member.profile.time_zone = SECRET_ZONE
    member.profile.save(update_fields=["time_zone"])
    staff = make_member(staff=True, mfa=True)
    client.force_login(staff)
    obj_by_model = _rows_tied_to(member)
    missing = set(admin.site._registry) - {
        model for model, obj in obj_by_model.items() if obj is not None
    }
    assert not missing, f"give the walk a row of {missing}"

    visited = 0
    for url in _admin_urls_for(obj_by_model):
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        html = response.content.decode()
        for secret in (SECRET_EMAIL, SECRET_IP, SECRET_BROWSER, SECRET_ZONE):
            assert secret not in html, (url, secret)
        visited += 1
    assert visited >= len(admin.site._registry) * (1 + len(OBJECT_PAGES))

    # The bulk "delete selected" confirmation lists the same rows the same way.
    confirmation = client.post(
        reverse("admin:community_user_changelist"),
        {"action": "delete_selected", "_selected_action": [member.pk]},
    )
    assert confirmation.status_code == 200
    html = confirmation.content.decode()
    assert "Are you sure" in html and "Email address #" in html
    for secret in (SECRET_EMAIL, SECRET_IP, SECRET_BROWSER):
        assert secret not in html, ("delete_selected", secret)

    # The account list names members by pseudonym, so staff can still find them.
    changelist = client.get(reverse("admin:community_user_changelist")).content.decode()
    assert "PrivateOtter51" in changelist
