from django.urls import path

from community.views import perspectives, resources

urlpatterns = [
    path("resources/", resources.library, name="resources"),
    path("resources/<slug:slug>/", resources.article_detail, name="resource_article"),
    path(
        "resources/<slug:slug>/sections/<slug:key>/",
        perspectives.section_detail,
        name="resource_section",
    ),
    path(
        "resources/perspectives/<int:perspective_id>/edit/",
        perspectives.perspective_edit,
        name="perspective_edit",
    ),
    path(
        "resources/perspectives/<int:perspective_id>/delete/",
        perspectives.perspective_delete,
        name="perspective_delete",
    ),
    path(
        "resources/perspectives/<int:perspective_id>/helpful/",
        perspectives.perspective_helpful,
        name="perspective_helpful",
    ),
    path("training/<slug:slug>/", resources.module_detail, name="training_module"),
]
