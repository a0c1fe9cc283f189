from django.urls import path

from community.views import advocates

urlpatterns = [
    path("advocates/", advocates.directory, name="advocate_directory"),
    path("advocates/apply/", advocates.apply, name="advocate_apply"),
    path("advocates/workload/", advocates.workload, name="advocate_workload"),
    path("advocates/availability/", advocates.availability, name="advocate_availability"),
    path("advocates/<str:public_id>/", advocates.advocate_detail, name="advocate_detail"),
    path("support/", advocates.my_requests, name="support_requests"),
    path("support/new/", advocates.new_request, name="support_request_new"),
    path("support/<int:request_id>/", advocates.request_detail, name="support_request_detail"),
    path(
        "support/<int:request_id>/accept/", advocates.accept_request, name="support_request_accept"
    ),
    path(
        "support/<int:request_id>/hand-over/",
        advocates.hand_over_request,
        name="support_request_hand_over",
    ),
    path(
        "support/<int:request_id>/resolve/",
        advocates.resolve_request,
        name="support_request_resolve",
    ),
    path(
        "support/<int:request_id>/withdraw/",
        advocates.withdraw_request,
        name="support_request_withdraw",
    ),
    path("support/<int:request_id>/feedback/", advocates.feedback, name="support_request_feedback"),
]
