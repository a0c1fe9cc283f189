from django.shortcuts import render


def home(request):
    if request.user.is_authenticated:
        return render(request, "community/dashboard.html")
    return render(request, "community/landing.html")


def privacy(request):
    return render(request, "community/privacy.html")
