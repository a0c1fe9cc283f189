"""The language switch (issue 13, a second language; docs/decisions/0073): the footer's form
for everyone, the settings page's for members, whose choice is saved on their profile and comes
back at every sign-in, over the browser's Accept-Language."""

import io
import json
import re
import zipfile

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Profile
from community.services.data_rights import export_all_data
from tests.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

HTML_LANG = re.compile(r'<html lang="([^"]+)"')


def _lang(response) -> str:
    return HTML_LANG.search(response.content.decode()).group(1)


def _switch(client, language: str, next_url: str = "/privacy/"):
    return client.post(reverse("set_language"), {"language": language, "next": next_url})


def test_every_page_has_a_labelled_language_switch_that_comes_back_to_it():
    html = Client().get(reverse("privacy")).content.decode()
    form = html[html.index('class="language-form"') :]
    form = form[: form.index("</form>")]
    assert f'action="{reverse("set_language")}"' in html
    assert '<label for="footer-language">Language</label>' in form
    assert '<select id="footer-language" name="language">' in form
    assert '<input type="hidden" name="next" value="/privacy/">' in form
    assert '<option value="es" lang="es">Español</option>' in form
    assert '<option value="en" lang="en" selected>English</option>' in form
    assert 'type="submit"' in form


def test_the_footer_switch_speaks_spanish_to_a_visitor_without_scripts():
    client = Client()
    response = _switch(client, "es")
    assert response.status_code == 302
    assert response["Location"] == "/privacy/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "es"
    page = client.get("/privacy/")
    assert _lang(page) == "es"
    assert "Cómo te protegemos" in page.content.decode()
    assert '<option value="es" lang="es" selected>Español</option>' in page.content.decode()


def test_a_visitor_without_a_choice_gets_the_browsers_language():
    assert _lang(Client(HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").get("/privacy/")) == "es"
    assert _lang(Client(HTTP_ACCEPT_LANGUAGE="fr").get("/privacy/")) == "en"


def test_the_switch_never_sends_anyone_to_another_site():
    response = _switch(Client(), "es", next_url="https://elsewhere.example/")
    assert response["Location"] == "/"


def test_an_unknown_language_is_refused_with_a_clear_message_and_changes_nothing(
    member_client, member
):
    response = _switch(member_client, "xx")
    assert response["Location"] == "/privacy/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    page = member_client.get("/privacy/")
    assert "That language is not available here." in page.content.decode()
    assert Profile.objects.get(user=member).language == ""


def test_a_visitor_cannot_choose_the_members_only_browser_language_option():
    response = _switch(Client(), "")
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_the_settings_page_has_the_members_language_with_their_browsers_as_a_choice(
    member_client, member
):
    html = member_client.get(reverse("settings")).content.decode()
    assert '<label for="settings-language">Language</label>' in html
    assert '<option value="" selected>My browser\'s language</option>' in html
    _switch(member_client, "es", next_url=reverse("settings"))
    html = member_client.get(reverse("settings")).content.decode()
    assert '<option value="es" lang="es" selected>Español</option>' in html
    assert "Idioma" in html


def test_a_members_choice_is_saved_and_comes_back_on_another_device(member):
    first_device = Client()
    first_device.force_login(member)
    _switch(first_device, "es")
    assert Profile.objects.get(user=member).language == "es"
    first_device.post(reverse("account_logout"))

    # A new browser that asks for English, signing in through the real form.
    other_device = Client(HTTP_ACCEPT_LANGUAGE="en")
    response = other_device.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert _lang(response) == "es"
    assert settings.LANGUAGE_COOKIE_NAME not in other_device.cookies
    assert _lang(other_device.get(reverse("settings"))) == "es"


def test_the_members_choice_wins_over_the_language_cookie_and_the_browser(member):
    member.profile.language = "es"
    member.profile.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(member)
    assert _lang(client.get(reverse("home"))) == "es"


def test_choosing_the_browsers_language_forgets_the_members_choice(member):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member)
    _switch(client, "es")
    response = _switch(client, "")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""  # deleted
    assert Profile.objects.get(user=member).language == ""
    assert _lang(client.get(reverse("home"))) == "en"


def test_the_members_language_costs_no_query(member):
    """The home page (its query count is asserted in test_dashboard) reads the same rows whether
    or not the member chose a language: the choice comes from the session."""

    def queries_for_home(client) -> int:
        client.get(reverse("home"))  # warm up per-session lookups
        with CaptureQueriesContext(connection) as captured:
            client.get(reverse("home"))
        return len(captured.captured_queries)

    browser_default = Client()
    browser_default.force_login(member)
    without_choice = queries_for_home(browser_default)

    member.profile.language = "es"
    member.profile.save(update_fields=["language"])
    chosen = Client()
    chosen.force_login(member)
    assert _lang(chosen.get(reverse("home"))) == "es"
    assert queries_for_home(chosen) == without_choice


def test_a_staff_account_without_a_profile_can_still_sign_in_and_switch():
    staff = make_member(staff=True)
    Profile.objects.filter(user=staff).delete()
    client = Client()
    client.force_login(staff.__class__.objects.get(pk=staff.pk))
    assert client.session.get("_auth_user_id") == str(staff.pk)
    response = _switch(client, "es", next_url="/")
    assert response.status_code == 302
    assert _lang(client.get("/privacy/")) == "es"


def test_account_emails_are_in_the_language_of_the_person_who_asks(member, mailoutbox):
    Client(HTTP_ACCEPT_LANGUAGE="es").post(
        reverse("account_reset_password"), {"email": member.email}
    )
    assert mailoutbox[-1].subject == "Restablecimiento de contraseña"
    assert "Alguien pidió restablecer la contraseña de tu cuenta." in mailoutbox[-1].body


def test_a_members_account_emails_are_in_their_chosen_language(member, mailoutbox):
    member.profile.language = "es"
    member.profile.save(update_fields=["language"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(member)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-long-phrase-42",
            "password2": "a-new-long-phrase-42",
        },
    )
    assert mailoutbox[-1].subject == "Contraseña cambiada"


def test_the_data_export_holds_the_members_language(member):
    member.profile.language = "es"
    member.profile.save(update_fields=["language"])
    with zipfile.ZipFile(io.BytesIO(export_all_data(user=member))) as archive:
        account = json.loads(archive.read("account.json"))
    assert account["profile"]["language"] == "es"


def test_a_members_account_emails_are_in_their_language_whoever_asks(member, mailoutbox):
    member.profile.language = "es"
    member.profile.save(update_fields=["language"])
    Client(HTTP_ACCEPT_LANGUAGE="en").post(
        reverse("account_reset_password"), {"email": member.email}
    )
    assert mailoutbox[-1].subject == "Restablecimiento de contraseña"


def test_an_english_speaking_member_gets_english_from_a_spanish_browser(member, mailoutbox):
    member.profile.language = "en"
    member.profile.save(update_fields=["language"])
    Client(HTTP_ACCEPT_LANGUAGE="es").post(
        reverse("account_reset_password"), {"email": member.email}
    )
    assert mailoutbox[-1].subject == "Password reset"
