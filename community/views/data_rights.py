"""Export everything, delete the account. Both ask for the password again: an unlocked
laptop left for a minute must not be enough to take or destroy everything."""

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters

from community.forms.data_rights import DeleteAccountForm, PasswordConfirmForm
from community.services.data_rights import delete_account, export_all_data
from community.views.journal import attachment, bound_data


@login_required
def data_rights(request):
    return render(request, "community/data_rights/index.html")


@sensitive_post_parameters("password")
@login_required
def export_data(request):
    form = PasswordConfirmForm(bound_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        stamp = timezone.now().strftime("%Y%m%d-%H%M")
        return attachment(
            export_all_data(user=request.user), "application/zip", f"my-data-{stamp}.zip"
        )
    return render(request, "community/data_rights/export.html", {"form": form})


@sensitive_post_parameters("password")
@login_required
def delete_my_account(request):
    form = DeleteAccountForm(bound_data(request), user=request.user)
    if request.method == "POST" and form.is_valid():
        delete_account(
            user=request.user,
            delete_contributions=form.cleaned_data["contributions"] == DeleteAccountForm.DELETE,
        )
        logout(request)
        # Rendered, not redirected: Clear-Site-Data also removes a flash-message cookie.
        request.clear_site_data = True
        return render(request, "community/data_rights/deleted.html")
    return render(
        request,
        "community/data_rights/delete.html",
        {"form": form, "cancel_url": reverse("data_rights")},
    )
