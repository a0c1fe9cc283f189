"""Community models, one module per feature; import them from here."""

from community.models.accounts import (
    DirectMessagePolicy,
    IdentifyingWords,
    Profile,
    SignInAttempt,
    UnfamiliarRequestPolicy,
    User,
)
from community.models.advocates import (
    AdvocateProfile,
    PendingSpecialty,
    Specialty,
    SupportFeedback,
    SupportRequest,
    SupportRequestEvent,
)
from community.models.groups import Group, GroupInvite, Membership, Tag
from community.models.journal import (
    IncidentChannel,
    JournalEntry,
    JournalEvidence,
    JournalReminder,
    JournalShare,
    JournalVersion,
)
from community.models.matching import (
    MatchingCounsellor,
    MatchingEntry,
    MatchingMatch,
    SealedShare,
)
from community.models.posts import Post, PostRevision, Reaction, ThreadVisit
from community.models.resources import (
    Article,
    ArticleSection,
    CheckChoice,
    CheckQuestion,
    ModuleArticle,
    Perspective,
    PerspectiveHelpful,
    TrainingCompletion,
    TrainingModule,
)

__all__ = [
    "IdentifyingWords",
    "MatchingCounsellor",
    "MatchingEntry",
    "MatchingMatch",
    "SealedShare",
    "IncidentChannel",
    "JournalEntry",
    "JournalEvidence",
    "JournalReminder",
    "JournalShare",
    "JournalVersion",
    "AdvocateProfile",
    "Article",
    "ArticleSection",
    "PendingSpecialty",
    "Perspective",
    "PerspectiveHelpful",
    "CheckChoice",
    "CheckQuestion",
    "ModuleArticle",
    "Specialty",
    "SupportFeedback",
    "SupportRequest",
    "SupportRequestEvent",
    "TrainingCompletion",
    "TrainingModule",
    "DirectMessagePolicy",
    "Group",
    "GroupInvite",
    "Membership",
    "Post",
    "PostRevision",
    "Reaction",
    "Profile",
    "SignInAttempt",
    "Tag",
    "ThreadVisit",
    "UnfamiliarRequestPolicy",
    "User",
]
