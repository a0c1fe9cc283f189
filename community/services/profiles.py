from django.db import transaction
from django.utils import timezone

from community import events
from community.before_you_send import hold_back_if_identifying, own_words_of
from community.models import IdentifyingWords, Profile, User
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
    unfamiliar_requests: str = "",
    time_zone: str | None = None,
    confirmed: bool = False,
) -> Profile:
    """Saves the profile, unless what it says about the member would identify them and they
    have not confirmed it (community.before_you_send raises HeldBack)."""
    hold_back_if_identifying(
        text="\n".join((pseudonym, pronouns, bio)), user=profile.user, confirmed=confirmed
    )
    profile.pseudonym = pseudonym
    profile.pronouns = pronouns
    profile.bio = bio
    profile.dm_policy = dm_policy
    profile.appear_offline = appear_offline
    profile.unfamiliar_requests = unfamiliar_requests or profile.unfamiliar_requests
    if time_zone is not None:
        profile.time_zone = time_zone
    profile.save(
        update_fields=[
            "pseudonym",
            "pronouns",
            "bio",
            "dm_policy",
            "unfamiliar_requests",
            "appear_offline",
            "time_zone",
        ]
    )
    return profile


def save_before_you_send_settings(*, user: User, words: list[str], phone_region: str) -> None:
    """The member's private words list (stored encrypted; an empty list leaves no row) and
    phone region. Open sockets pick the new list up at once (MemberAccessChanged)."""
    with transaction.atomic():
        if words:
            IdentifyingWords.objects.update_or_create(
                user=user, defaults={"words": "\n".join(words), "updated_at": timezone.now()}
            )
        else:
            IdentifyingWords.objects.filter(user=user).delete()
        Profile.objects.filter(user=user).update(phone_region=phone_region)
        events.publish(events.MemberAccessChanged(user_id=user.pk))


def before_you_send_settings(*, user: User) -> dict:
    """The initial values of the member's settings form."""
    profile = Profile.objects.filter(user=user).only("phone_region").first()
    return {
        "words": "\n".join(own_words_of(user_id=user.pk)),
        "phone_region": profile.phone_region if profile else "",
    }


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


def dismiss_safer_device_notice(*, user) -> None:
    Profile.objects.filter(user=user, safer_device_notice_dismissed_at__isnull=True).update(
        safer_device_notice_dismissed_at=timezone.now()
    )
