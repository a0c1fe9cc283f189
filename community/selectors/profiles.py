from django.shortcuts import get_object_or_404

from community.models import Profile


def get_profile_by_public_id(*, public_id: str) -> Profile:
    return get_object_or_404(
        Profile.objects.filter(user__is_active=True).only(
            "public_id", "pseudonym", "pronouns", "bio", "avatar_seed", "created_at", "user_id"
        ),
        public_id=public_id,
    )
