from django.urls import path

from community.views import resources

urlpatterns = [
    path("resources/", resources.library, name="resources"),
    path("resources/<slug:slug>/", resources.article_detail, name="resource_article"),
    path("training/<slug:slug>/", resources.module_detail, name="training_module"),
]
