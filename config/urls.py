from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from config.admin_site import require_mfa_for_admin

handler500 = "config.errors.server_error"

admin.site.login = secure_admin_login(admin.site.login)
require_mfa_for_admin(admin.site)

urlpatterns = [
    # Pages without our <link rel="icon"> (the admin) make browsers ask for /favicon.ico.
    path("favicon.ico", lambda request: HttpResponseRedirect(static("favicon.svg"))),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("community.urls")),
    path("", include("messaging.urls")),
    path("", include("moderation.urls")),
]
