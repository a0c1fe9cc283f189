"""Invariant 1 for staff: a member's email address never appears in the Django admin.

Staff are "another person" too, so neither a member's IP address nor their browser may show
either. The walk covers the list and the change page of every model registered in the admin,
so a new registration that shows these fails here.
"""

from allauth.usersessions.models import UserSession
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from tests.factories import make_member

SECRET_EMAIL = "real.name.at.employer@example.net"
SECRET_IP = "203.0.113.77"
SECRET_BROWSER = "DistinctiveBrowser/9.9"


def _admin_urls_for(obj_by_model):
    for model, model_admin in admin.site._registry.items():
        info = (model._meta.app_label, model._meta.model_name)
        try:
            yield reverse("admin:{}_{}_changelist".format(*info))
        except NoReverseMatch:
            continue
        obj = obj_by_model.get(model)
        if obj is not None and model_admin.has_view_permission:
            yield reverse("admin:{}_{}_change".format(*info), args=[obj.pk])


def test_no_admin_page_shows_a_members_email(client, db):
    member = make_member(email=SECRET_EMAIL, pseudonym="PrivateOtter51")
    UserSession.objects.create(
        user=member, ip=SECRET_IP, user_agent=SECRET_BROWSER, session_key="k" * 32
    )
    staff = make_member(staff=True, mfa=True)
    client.force_login(staff)
    obj_by_model = {type(member): member, type(member.profile): member.profile}

    visited = 0
    for url in _admin_urls_for(obj_by_model):
        response = client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        html = response.content.decode()
        for secret in (SECRET_EMAIL, SECRET_IP, SECRET_BROWSER):
            assert secret not in html, (url, secret)
        visited += 1
    assert visited >= len(admin.site._registry)

    # The account list names members by pseudonym, so staff can still find them.
    changelist = client.get(reverse("admin:community_user_changelist")).content.decode()
    assert "PrivateOtter51" in changelist
