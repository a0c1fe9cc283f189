"""Demo data: one open report, so the site moderator's queue is not empty on first run."""

from community.models import Post, User
from moderation.actions.flag import flag_content
from moderation.flaggables import get_flaggable
from moderation.models import ReviewItem
from moderation.policy import Reason


def seed_moderation() -> list:
    flagger = User.objects.filter(email="river@example.com").first()
    if flagger is None:
        return []
    post = (
        Post.objects.filter(group__memberships__user=flagger, group__memberships__state="active")
        .exclude(author=flagger)
        .order_by("pk")
        .first()
    )
    if post is None or ReviewItem.objects.filter(content_kind="post", object_id=post.pk).exists():
        return []
    flag_content(
        flagger=flagger,
        flaggable=get_flaggable("post"),
        obj=post,
        reason=Reason.OTHER,
        details="Demo report: a moderator can keep, hide, delete or redact this.",
    )
    return []
