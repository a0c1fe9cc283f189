from django.urls import path

from community.views import pages, profiles, sign_ins

urlpatterns = [
    path("", pages.home, name="home"),
    path("privacy/", pages.privacy, name="privacy"),
    path("design/", pages.design, name="design"),
    path(
        "settings/safer-device-notice/dismiss/",
        pages.safer_device_notice_dismiss,
        name="safer_device_notice_dismiss",
    ),
    path("people/<str:public_id>/", profiles.profile_detail, name="profile_detail"),
    path("settings/", profiles.settings_index, name="settings"),
    path("settings/profile/", profiles.profile_edit, name="profile_edit"),
    path("settings/sign-ins/", sign_ins.sign_in_activity, name="sign_in_activity"),
    path("settings/sign-ins/end/", sign_ins.end_sign_in_session, name="end_sign_in_session"),
    path(
        "settings/before-you-send/",
        profiles.before_you_send_settings,
        name="before_you_send_settings",
    ),
]
