from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.forms.accounts import ProfileForm
from community.permissions import get_profile_for_viewer_or_404
from community.selectors.perspectives import is_contributor
from community.services.profiles import update_profile


@login_required
def profile_detail(request, public_id: str):
    profile = get_profile_for_viewer_or_404(user=request.user, public_id=public_id)
    return render(
        request,
        "community/profile_detail.html",
        {
            "profile": profile,
            "is_own_profile": profile.user_id == request.user.pk,
            "is_contributor": is_contributor(user_id=profile.user_id),
        },
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
