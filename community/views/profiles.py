from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from community.before_you_send import send_checked
from community.forms.accounts import BeforeYouSendForm, ProfileForm
from community.permissions import get_profile_for_viewer_or_404
from community.selectors.perspectives import is_contributor
from community.services import profiles as profile_services
from community.services.profiles import update_profile
from community.time_zones import remember_profile_zone


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
        saved = send_checked(
            request,
            form,
            lambda confirmed: update_profile(
                profile=profile, confirmed=confirmed, **form.cleaned_data
            ),
        )
        if saved is not None:
            remember_profile_zone(request.session, saved.time_zone)
            messages.success(request, _("Your profile is saved."))
            return redirect("profile_edit")
    return render(request, "community/profile_form.html", {"form": form})


@login_required
def before_you_send_settings(request):
    """The member's private list of words that identify them, and their phone region."""
    form = BeforeYouSendForm(
        request.POST or None, initial=profile_services.before_you_send_settings(user=request.user)
    )
    if request.method == "POST" and form.is_valid():
        profile_services.save_before_you_send_settings(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your list is saved. Only you can see it."))
        return redirect("before_you_send_settings")
    return render(
        request,
        "community/before_you_send_settings.html",
        {"form": form},
        status=400 if form.errors else 200,
    )
