"""Community models, one module per feature; import them from here."""

from community.models.accounts import DirectMessagePolicy, Profile, User
from community.models.groups import Group, Membership

__all__ = ["DirectMessagePolicy", "Group", "Membership", "Profile", "User"]
