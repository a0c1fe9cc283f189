"""Signal handlers: closing sockets when a session ends, decoupled from allauth and auth."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver

from messaging.services.realtime import end_user_sockets


@receiver(user_logged_out, dispatch_uid="messaging_close_sockets_on_logout")
def close_sockets_on_logout(sender, request, user, **kwargs):
    if user is not None:
        end_user_sockets(user_id=user.pk)


@receiver(password_changed, dispatch_uid="messaging_close_sockets_on_password_change")
@receiver(password_set, dispatch_uid="messaging_close_sockets_on_password_set")
@receiver(password_reset, dispatch_uid="messaging_close_sockets_on_password_reset")
def close_sockets_on_password_change(sender, request=None, user=None, **kwargs):
    if user is not None:
        end_user_sockets(user_id=user.pk)
