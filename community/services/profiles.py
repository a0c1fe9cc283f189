from django.db import transaction

from community.models import Profile, User
from community.pseudonyms import generate_pseudonym


def pseudonym_taken(pseudonym: str, *, exclude_profile_id: int | None = None) -> bool:
    profiles = Profile.objects.filter(pseudonym__iexact=pseudonym)
    if exclude_profile_id is not None:
        profiles = profiles.exclude(pk=exclude_profile_id)
    return profiles.exists()


def suggest_pseudonym() -> str:
    for _attempt in range(20):
        candidate = generate_pseudonym()
        if not pseudonym_taken(candidate):
            return candidate
    raise RuntimeError("Could not find a free pseudonym in 20 attempts.")


@transaction.atomic
def create_profile(*, user: User, pseudonym: str) -> Profile:
    return Profile.objects.create(user=user, pseudonym=pseudonym)


@transaction.atomic
def update_profile(
    *,
    profile: Profile,
    pseudonym: str,
    pronouns: str,
    bio: str,
    dm_policy: str,
    appear_offline: bool,
) -> Profile:
    profile.pseudonym = pseudonym
    profile.pronouns = pronouns
    profile.bio = bio
    profile.dm_policy = dm_policy
    profile.appear_offline = appear_offline
    profile.save(update_fields=["pseudonym", "pronouns", "bio", "dm_policy", "appear_offline"])
    return profile


# --- what moderation asks of profiles (moderation/flaggables.py) ----------------------------


def clear_profile_about(*, profile: Profile) -> None:
    """A profile cannot vanish: hiding or deleting it clears what the member wrote about
    themselves."""
    profile.bio = ""
    profile.pronouns = ""
    profile.save(update_fields=["bio", "pronouns"])


def redact_profile_bio(*, profile: Profile, text: str) -> None:
    profile.bio = text
    profile.save(update_fields=["bio"])
