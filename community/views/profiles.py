from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.forms.accounts import ProfileForm
from community.restrictions import has_blocked
from community.selectors.profiles import get_profile_by_public_id
from community.services.profiles import update_profile


@login_required
def profile_detail(request, public_id: str):
    profile = get_profile_by_public_id(public_id=public_id)
    # A member who was blocked cannot see the blocker's profile; 404 so they cannot tell.
    if has_blocked(owner_id=profile.user_id, target_id=request.user.pk):
        raise Http404
    return render(
        request,
        "community/profile_detail.html",
        {"profile": profile, "is_own_profile": profile.user_id == request.user.pk},
    )


@login_required
def settings_index(request):
    return render(request, "community/settings.html")


@login_required
def profile_edit(request):
    profile = request.user.profile
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        update_profile(profile=profile, **form.cleaned_data)
        messages.success(request, _("Your profile is saved."))
        return redirect("profile_edit")
    return render(request, "community/profile_form.html", {"form": form})
