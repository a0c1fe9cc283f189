from django.conf import settings


def kindred(request):
    return {"quick_exit_url": settings.KINDRED_QUICK_EXIT_URL}
