"""The server-error page. Django's default handler renders 500.html without a request context;
this one gives it the shell's configured exit address and neutral name, and the CSP nonce, so
the page runs the same quick-exit script as every other page. Nothing here touches the
database: the error may be the database."""

from django.http import HttpResponseServerError
from django.middleware.csp import get_nonce
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

from config.context_processors import shell_context


@requires_csrf_token
def server_error(request, template_name="500.html"):
    context = shell_context() | {"csp_nonce": get_nonce(request)}
    return HttpResponseServerError(loader.render_to_string(template_name, context))
