"""Signal handlers: only for true decoupling from allauth and django.contrib.auth."""

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


@receiver(user_logged_out)
def mark_response_to_clear_site_data(sender, request, user, **kwargs):
    # config.middleware.PrivacyHeadersMiddleware turns this into a Clear-Site-Data header.
    if request is not None:
        request.clear_site_data = True
