from django.conf import settings


def kindred(request):
    return shell_context()


def shell_context() -> dict:
    """What every page's shell needs (base.html and the 500 page, which renders without a
    request context)."""
    return {
        "quick_exit_url": settings.KINDRED_QUICK_EXIT_URL,
        "neutral_name": settings.KINDRED_NEUTRAL_NAME,
    }
