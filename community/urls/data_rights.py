from django.urls import path

from community.views import data_rights

urlpatterns = [
    path("settings/my-data/", data_rights.data_rights, name="data_rights"),
    path("settings/my-data/export/", data_rights.export_data, name="data_export"),
    path("settings/my-data/delete-account/", data_rights.delete_my_account, name="account_delete"),
]
