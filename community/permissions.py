"""Who may do what in community/. Each check raises PermissionDenied, or Http404 where even
the existence of the thing must stay hidden."""

from functools import wraps

from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from community import restrictions
from community.models import (
    AdvocateProfile,
    Group,
    JournalEntry,
    JournalEvidence,
    JournalReminder,
    JournalShare,
    MatchingCounsellor,
    MatchingEntry,
    Membership,
    SupportRequest,
)
from community.selectors.advocates import (
    get_support_request,
    is_verified_advocate,
    verified_advocates,
)
from community.selectors.groups import is_group_moderator
from community.selectors.profiles import get_profile_by_public_id


def has_mfa(user) -> bool:
    return bool(user.is_authenticated and is_mfa_enabled(user))


def can_use_moderator_tools(*, user, group_id: int | None, membership=None) -> bool:
    """Moderator powers in one group (with `group_id` None: the site-wide ones): the role, and
    two-factor authentication on, since moderators cannot use their tools before it is
    (DESIGN.md). Pages (through `require_mfa`) and sockets ask the same two questions here.
    Pass the user's `membership` of the group when it is at hand, to save a query."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_site_moderator:
        has_role = True
    elif group_id is None:
        has_role = False
    elif membership is not None:
        has_role = membership.group_id == group_id and membership.is_moderator
    else:
        has_role = is_group_moderator(user=user, group_id=group_id)
    return has_role and has_mfa(user)


def require_mfa(view):
    """For the tools of advocates, moderators and staff: no second factor, no access.

    Sends the person to set up an authenticator and back afterwards.
    """

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not has_mfa(request.user):
            messages.warning(
                request,
                _("This area needs two-factor authentication. Set up an authenticator app first."),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapper


def tool_view(check):
    """For the tools of advocates, moderators and staff: `check(user=...)` first, so that
    anyone without the role gets 404 (a plain member is never told the tool exists, nor sent
    to set up two-factor authentication for it), then the second factor (`require_mfa`)."""

    def decorate(view):
        guarded = require_mfa(view)

        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                check(user=request.user)
            except PermissionDenied:
                raise Http404 from None
            return guarded(request, *args, **kwargs)

        return wrapper

    return decorate


def get_group_for_member_or_404(*, user, slug: str):
    """The group, if `user` is an active member of it; otherwise 404, so that nobody outside
    can tell a private group exists (DESIGN.md invariant 6)."""

    if not user.is_authenticated:
        raise Http404
    membership = (
        Membership.objects.select_related("group")
        .filter(
            user=user,
            group__slug=slug,
            group__status=Group.Status.ACTIVE,
            state=Membership.State.ACTIVE,
        )
        .first()
    )
    if membership is None:
        raise Http404
    group = membership.group
    group.viewer_membership = membership
    return group


def get_profile_for_viewer_or_404(*, user, public_id: str):
    """An active member's profile, unless its owner blocked `user`: then 404, the same as for
    a profile that does not exist, so the blocked member cannot tell."""

    profile = get_profile_by_public_id(public_id=public_id)
    if restrictions.has_blocked(owner_id=profile.user_id, target_id=user.pk):
        raise Http404
    return profile


# --- Groups and posts (issue 3) -------------------------------------------------------------
#
# A group's "reader" is an active member, or a site moderator (who acts in every group).
# Everyone else gets 404 for anything inside a group, and for the whole group if it is
# unlisted; a listed group shows only its about page to outsiders.


def _membership_for(*, user, group):
    """`user`'s membership of `group` (any state) or None; looked up once per user and
    group instance, since one page asks several checks about it."""

    if not user.is_authenticated:
        return None
    cache = group.__dict__.setdefault("_memberships_by_user_id", {})
    if user.pk not in cache:
        cache[user.pk] = Membership.objects.filter(user=user, group=group).first()
    return cache[user.pk]


def get_group_for_visitor_or_404(*, user, slug: str):
    """The group's about page: anyone signed in for a listed group; only readers for an
    unlisted one. Sets `group.viewer_membership` (None for outsiders)."""

    group = Group.objects.filter(slug=slug, status=Group.Status.ACTIVE).first()
    if group is None or not user.is_authenticated:
        raise Http404
    group.viewer_membership = _membership_for(user=user, group=group)
    if group.visibility == Group.Visibility.UNLISTED and not can_read_group(user=user, group=group):
        raise Http404
    return group


def can_read_group(*, user, group) -> bool:
    membership = _membership_for(user=user, group=group)
    if membership is not None and membership.is_active:
        return True
    return bool(getattr(user, "is_site_moderator", False))


def get_group_for_reader_or_404(*, user, slug: str):
    """The group, if `user` may read its posts; 404 otherwise, for any group."""

    group = get_group_for_visitor_or_404(user=user, slug=slug)
    if not can_read_group(user=user, group=group):
        raise Http404
    return group


def is_group_moderator_for(*, user, group) -> bool:
    if getattr(user, "is_site_moderator", False):
        return True
    membership = _membership_for(user=user, group=group)
    return bool(membership is not None and membership.is_moderator)


def check_moderate_group(*, user, group) -> None:
    """404 for those who cannot even read the group; 403 for readers who are not its
    moderators (or site moderators)."""

    if not can_read_group(user=user, group=group):
        raise Http404
    if not is_group_moderator_for(user=user, group=group):
        raise PermissionDenied(_("Only this group's moderators can do that."))


def check_write_in_group(*, user, group) -> None:
    """Members post and reply unless a moderator muted them in this group."""

    membership = _membership_for(user=user, group=group)
    if membership is None or not membership.is_active:
        if getattr(user, "is_site_moderator", False):
            return
        raise Http404
    if restrictions.mute_ends_at(user_id=user.pk, group_id=group.pk):
        raise PermissionDenied(_("A moderator has muted you in this group for now."))


def check_reply_to_thread(*, user, thread) -> None:

    check_write_in_group(user=user, group=thread.group)
    if thread.locked_at is not None:
        raise PermissionDenied(_("This thread is locked; no new replies."))
    if thread.deleted_at is not None or thread.hidden_at is not None:
        raise PermissionDenied(_("This thread is closed."))


def can_reply_to_thread(*, user, thread) -> bool:
    """Whether the thread page offers the reply form: `check_reply_to_thread` passes."""
    try:
        check_reply_to_thread(user=user, thread=thread)
    except PermissionDenied:
        return False
    return True


def check_edit_post(*, user, post) -> None:
    """Only the author edits or deletes their own post, while it still exists."""

    if post.author_id is None or post.author_id != user.pk:
        raise PermissionDenied(_("You can only change your own posts."))
    if post.deleted_at is not None:
        raise PermissionDenied(_("This post was deleted."))


def can_see_anonymous_author(*, user) -> bool:
    """Only site moderators ever learn who wrote an anonymous post."""
    return bool(getattr(user, "is_site_moderator", False))


def check_decide_group_proposals(*, user) -> None:

    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied(_("Only staff can decide on group proposals."))


# --- advocates and support requests ------------------------------------------------------------


def check_use_advocate_tools(*, user) -> None:
    """Workload, accepting and handing over: verified (not suspended) advocates only. Views
    use it through `tool_view`, which also asks for the second factor."""

    if not (user.is_authenticated and is_verified_advocate(user_id=user.pk)):
        raise PermissionDenied(_("Only verified advocates can use this."))


def get_support_request_for_viewer_or_404(*, user, request_id: int):
    """The request if `user` is its member, its (verified) advocate, or a verified advocate of
    its specialty while it waits in the pool. Everyone else, staff included, gets 404: even
    the request's existence is private."""

    if not user.is_authenticated:
        raise Http404
    support_request = get_support_request(request_id=request_id)
    if support_request is None:
        raise Http404
    if user.pk == support_request.member_id:
        return support_request
    # A suspended advocate loses sight of the requests they held.
    if user.pk == support_request.advocate_id and is_verified_advocate(user_id=user.pk):
        return support_request
    if (
        support_request.is_in_pool
        and verified_advocates()
        .filter(user_id=user.pk, specialties=support_request.specialty_id)
        .exists()
    ):
        return support_request
    raise Http404


def get_support_request_for_member_or_404(*, user, request_id: int):
    """The request, for the member who sent it only (their feedback); 404 for anyone else,
    its advocate included."""

    support_request = get_support_request_for_viewer_or_404(user=user, request_id=request_id)
    if support_request.member_id != user.pk:
        raise Http404
    return support_request


def can_hand_over_support_request(*, user, support_request) -> bool:
    """Its advocate, while the request is accepted: `hand_over_support_request` refuses the
    rest."""
    return (
        support_request.advocate_id == user.pk
        and support_request.status == SupportRequest.Status.ACCEPTED
    )


def can_leave_support_feedback(*, user, support_request) -> bool:
    """The member, once, after the request is resolved."""
    return (
        support_request.member_id == user.pk
        and support_request.status == SupportRequest.Status.RESOLVED
        and getattr(support_request, "feedback", None) is None
    )


# --- private journal (issue 7) ------------------------------------------------------------------
#
# DESIGN.md invariant 8: the owner alone. Staff and moderators get the same 404 as anyone.


def get_journal_entry_for_owner_or_404(*, user, public_id: str):

    # An anonymous user's pk is None, which matches no owner: 404 as well.
    return get_object_or_404(
        JournalEntry.objects.select_related("current_version"),
        owner_id=user.pk,
        public_id=public_id,
    )


def get_journal_evidence_for_owner_or_404(*, user, public_id: str):

    return get_object_or_404(JournalEvidence, entry__owner_id=user.pk, public_id=public_id)


def get_journal_reminder_for_owner_or_404(*, user, reminder_id: int):

    return get_object_or_404(JournalReminder, owner_id=user.pk, pk=reminder_id)


def get_journal_share_for_owner_or_404(*, user, public_id: str):

    return get_object_or_404(JournalShare, entry__owner_id=user.pk, public_id=public_id)


def get_request_for_shared_journal_or_404(*, user, request_id: int):
    """A support request whose shared journal entries `user` may read: only its current
    advocate. The member reads their own journal; staff, moderators, pool advocates and
    everyone else get 404."""

    return get_object_or_404(
        SupportRequest.objects.select_related("specialty", "member__profile"),
        pk=request_id,
        advocate_id=user.pk,
    )


def get_shared_evidence_or_404(*, support_request, public_id: str):
    """An evidence file of an entry that is shared into `support_request` right now."""

    return get_object_or_404(
        JournalEvidence, public_id=public_id, entry__shares__support_request=support_request
    )


def check_manage_group(*, user, group) -> None:
    """Owners (and site moderators) change a group's settings and appoint its moderators."""

    check_moderate_group(user=user, group=group)
    if not is_group_owner_for(user=user, group=group):
        raise PermissionDenied(_("Only the group's owner can do that."))


def is_group_owner_for(*, user, group) -> bool:
    """The group's active owner, or a site moderator: who may manage the group."""
    if getattr(user, "is_site_moderator", False):
        return True
    membership = _membership_for(user=user, group=group)
    return bool(
        membership is not None and membership.is_active and membership.role == membership.Role.OWNER
    )


def matching_ineligibility(*, user) -> str | None:
    """Why `user` may not add matching entries (decision 0080), or None. Against Sybil
    "second reporters": a verified address, two-factor authentication and an account of some
    age (KINDRED_MATCHING_MIN_ACCOUNT_AGE)."""
    if not user.is_authenticated:
        return "signed_out"
    if not EmailAddress.objects.filter(user_id=user.pk, verified=True).exists():
        return "unverified"
    if not has_mfa(user):
        return "mfa"
    if timezone.now() - user.date_joined < settings.KINDRED_MATCHING_MIN_ACCOUNT_AGE:
        return "too_new"
    return None


def check_add_matching_entry(*, user) -> None:
    if matching_ineligibility(user=user) is not None:
        raise PermissionDenied(_("Your account cannot add matching entries yet."))


def is_matching_counsellor(*, user) -> bool:
    """A designated matching counsellor who is (still) a verified legal advocate."""
    if not user.is_authenticated:
        return False
    return MatchingCounsellor.objects.filter(
        user_id=user.pk,
        user__advocate_profile__status=AdvocateProfile.Status.VERIFIED,
        user__advocate_profile__specialties__slug="legal",
    ).exists()


def check_matching_counsellor(*, user) -> None:
    """Counsellor pages: designated, still a verified legal advocate, with the second factor
    (views use `tool_view`, which asks for it)."""
    if not is_matching_counsellor(user=user):
        raise PermissionDenied(_("Only matching counsellors can use this."))


def get_matching_entry_for_owner_or_404(*, user, entry_id: int):
    return get_object_or_404(MatchingEntry, pk=entry_id, owner_id=user.pk)
