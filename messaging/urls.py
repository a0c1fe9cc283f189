from django.urls import path

from messaging import views

app_name = "messaging"

urlpatterns = [
    path("rooms/<str:slug>/", views.room, name="room"),
    path("messages/", views.inbox, name="inbox"),
    path("messages/requests/", views.requests_list, name="requests"),
    path("messages/requests/filtered/", views.filtered_requests_list, name="filtered_requests"),
    path("messages/requests/decline-all/", views.decline_all_requests, name="decline_all_requests"),
    path(
        "messages/requests/<int:conversation_id>/answer/",
        views.answer_request,
        name="answer_request",
    ),
    path("messages/with/<str:public_id>/", views.direct_with, name="direct_with"),
    path("messages/<int:conversation_id>/", views.conversation_detail, name="conversation"),
    path("messages/<int:conversation_id>/send/", views.send_message, name="send"),
    path("messages/message/<int:message_id>/react/", views.react, name="react"),
    path("calls/<str:call_id>/", views.call_page, name="call"),
    path("calls/<str:call_id>/journal/", views.call_to_journal, name="call_to_journal"),
    path("messages/<int:conversation_id>/call/", views.call_start, name="call_start"),
    path("notifications/", views.notifications, name="notifications"),
    path(
        "notifications/<int:notification_id>/",
        views.notification_detail,
        name="notification_detail",
    ),
    path("settings/notifications/", views.notification_settings, name="notification_settings"),
]
