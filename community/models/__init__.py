from community.models.accounts import DirectMessagePolicy, Profile, User

__all__ = ["DirectMessagePolicy", "Profile", "User"]
