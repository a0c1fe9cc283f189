"""Community models, one module per feature; import them from here."""

from community.models.accounts import DirectMessagePolicy, Profile, User
from community.models.groups import Group, GroupInvite, Membership, Tag
from community.models.posts import Post, PostRevision, Reaction

__all__ = [
    "DirectMessagePolicy", "Group", "GroupInvite", "Membership", "Post", "PostRevision", "Reaction",
    "Profile", "Tag", "User",
]
