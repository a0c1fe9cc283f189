"""Community models, one module per feature; import them from here."""

from community.models.accounts import DirectMessagePolicy, Profile, User
from community.models.journal import (
    IncidentChannel,
    JournalEntry,
    JournalEvidence,
    JournalReminder,
    JournalShare,
    JournalVersion,
)
from community.models.groups import Group, GroupInvite, Membership, Tag
from community.models.posts import Post, PostRevision, Reaction

__all__ = [
    "IncidentChannel", "JournalEntry", "JournalEvidence", "JournalReminder", "JournalShare",
    "JournalVersion",
    "DirectMessagePolicy", "Group", "GroupInvite", "Membership", "Post", "PostRevision", "Reaction",
    "Profile", "Tag", "User",
]
