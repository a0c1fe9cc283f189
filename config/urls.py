from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path

from community.views.accounts import email_addresses
from community.views.language import set_language
from config.admin_site import require_mfa_for_admin

handler500 = "config.errors.server_error"

admin.site.login = secure_admin_login(admin.site.login)
require_mfa_for_admin(admin.site)

urlpatterns = [
    # Pages without our <link rel="icon"> make browsers ask for /favicon.ico, and browsers
    # keep that one icon for the whole site (history, bookmarks): the neutral one (decision 0007).
    path("favicon.ico", lambda request: HttpResponseRedirect(static("favicon-neutral.svg"))),
    path("i18n/setlang/", set_language, name="set_language"),
    # Ahead of allauth's own: removing an address asks first (community/views/accounts.py).
    path("accounts/email/", email_addresses, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("community.urls")),
    path("", include("messaging.urls")),
    path("", include("moderation.urls")),
]
