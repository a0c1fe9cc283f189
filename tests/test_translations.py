"""The second language (issue 13): every template string is marked for translation, the Spanish
catalogue is complete and keeps every placeholder, every page speaks Spanish at run time, and
the language switch is remembered for signed-in members (docs/decisions/0073,
docs/translation.md)."""

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.template.base import Lexer, TokenType
from django.test import Client
from django.urls import reverse

from community.models import Membership
from messaging.services.conversations import get_or_create_group_room
from tests.community.advocates_helpers import make_advocate
from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.crawl import crawl
from tests.factories import make_member, make_support_thread, unlock_journal

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATE_DIRS = [BASE_DIR / "templates"]
SPANISH_PO = BASE_DIR / "locale" / "es" / "LC_MESSAGES" / "django.po"
SPANISH_MO = SPANISH_PO.with_suffix(".mo")

# Text a template may show as it is, in every language.
UNTRANSLATED_ALLOWED = {"Kindred", "English", "Español", "SHA-256"}
TRANSLATED_ATTRIBUTES = {"aria-label", "placeholder", "title", "alt", "aria-description"}
# Stands for what the lexer found outside plain text (a space, so a tag written around
# `{% if %}` still parses as a tag); each keeps its token's line breaks.
TOKEN_MARK = " "
# A block that only adds attributes to a tag of its parent ({% block body_attributes %}).
ATTRIBUTES_ONLY = re.compile(r'^(\s*[a-z-]+(="[^"]*")?)+\s*$')


# --- a) every template string is marked --------------------------------------------------------


def _templates():
    for directory in TEMPLATE_DIRS:
        yield from sorted(directory.rglob("*.html"))
        yield from sorted(directory.rglob("*.txt"))


def _skeleton(source: str) -> str:
    """The template with every tag, variable and comment replaced by TOKEN_MARK, and
    everything inside {% blocktranslate %}, {% comment %} and {% verbatim %} dropped too; line
    breaks are kept, so positions in the skeleton are positions in the template."""
    parts = []
    skipping_until = None
    for token in Lexer(source).tokenize():
        raw = token.token_type is TokenType.TEXT and not skipping_until
        if token.token_type is TokenType.BLOCK:
            name = token.contents.split()[0] if token.contents else ""
            if skipping_until and name == skipping_until:
                skipping_until = None
            elif not skipping_until and name in ("blocktranslate", "blocktrans"):
                skipping_until = "end" + name
            elif not skipping_until and name in ("comment", "verbatim"):
                skipping_until = "end" + name
        if raw:
            parts.append(token.contents)
        else:
            text = token.contents if token.token_type is TokenType.TEXT else token.contents + "{}"
            parts.append(TOKEN_MARK + "\n" * text.count("\n"))
    return "".join(parts)


def _has_words(text: str) -> bool:
    words = [word for word in text.split() if word.strip("·,.:;()") not in UNTRANSLATED_ALLOWED]
    return any(character.isalpha() for character in "".join(words))


class _UnmarkedTextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self._raw_text_tag = None

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._raw_text_tag = tag
        for name, value in attrs:
            if name in TRANSLATED_ATTRIBUTES and value and _has_words(value):
                self.found.append((self.getpos()[0], f'{name}="{value.strip()}"'))
            if (
                name == "value"
                and tag == "input"
                and ("type", "submit") in attrs
                and value
                and _has_words(value)
            ):
                self.found.append((self.getpos()[0], f'value="{value.strip()}"'))

    def handle_endtag(self, tag):
        if tag == self._raw_text_tag:
            self._raw_text_tag = None

    def handle_data(self, data):
        if self._raw_text_tag is None and _has_words(data) and not ATTRIBUTES_ONLY.match(data):
            line = self.getpos()[0] + len(data) - len(data.lstrip("\n"))
            self.found.append((line, " ".join(data.split())))


def unmarked_template_text() -> list[str]:
    problems = []
    for path in _templates():
        finder = _UnmarkedTextFinder()
        finder.feed(_skeleton(path.read_text()))
        finder.close()
        for line, text in finder.found:
            problems.append(f"{path.relative_to(BASE_DIR)}:{line}: {text}")
    return problems


def test_every_template_string_is_marked_for_translation():
    problems = unmarked_template_text()
    assert not problems, "Text outside {% translate %}:\n" + "\n".join(problems)


def test_the_template_check_finds_unmarked_text_and_attributes(tmp_path, monkeypatch):
    template = tmp_path / "page.html"
    template.write_text(
        '{% load i18n %}<p>{% translate "Fine" %}</p>\n'
        "{% blocktranslate %}Also fine {{ x }}{% endblocktranslate %}{# a comment #}\n"
        '<p title="Hover me">Plain words</p>\n'
        '<input type="search" placeholder="{% translate "Fine" %}"> · Kindred\n'
    )
    monkeypatch.setattr(f"{__name__}.TEMPLATE_DIRS", [tmp_path])
    monkeypatch.setattr(f"{__name__}.BASE_DIR", tmp_path)
    assert unmarked_template_text() == [
        'page.html:3: title="Hover me"',
        "page.html:3: Plain words",
    ]


# --- b) the catalogue is complete -------------------------------------------------------------


class Entry:
    def __init__(self):
        self.flags: set[str] = set()
        self.msgctxt = None
        self.msgid = ""
        self.msgid_plural = None
        self.msgstr: dict[int, str] = {}
        self.line = 0
        self.obsolete = False


def _unquote(text: str) -> str:
    return (
        text.strip()[1:-1]
        .replace('\\"', '"')
        .replace("\\n", "\n")
        .replace("\\t", "\t")
        .replace("\\\\", "\\")
    )


def read_po(path: Path) -> list[Entry]:
    """The entries of a .po file (enough of the format for our catalogue)."""
    entries, entry, field = [], Entry(), None
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            if entry.line:
                entries.append(entry)
            entry, field = Entry(), None
            continue
        if line.startswith("#~"):
            entry.obsolete = True
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        entry.line = entry.line or number
        if line.startswith("msgctxt "):
            field, entry.msgctxt = "msgctxt", _unquote(line[8:])
        elif line.startswith("msgid_plural "):
            field, entry.msgid_plural = "plural", _unquote(line[13:])
        elif line.startswith("msgid "):
            field, entry.msgid = "msgid", _unquote(line[6:])
        elif line.startswith("msgstr["):
            index = int(line[7 : line.index("]")])
            field = index
            entry.msgstr[index] = _unquote(line[line.index("]") + 1 :])
        elif line.startswith("msgstr "):
            field = 0
            entry.msgstr[0] = _unquote(line[7:])
        elif line.startswith('"'):
            if field == "msgctxt":
                entry.msgctxt += _unquote(line)
            elif field == "msgid":
                entry.msgid += _unquote(line)
            elif field == "plural":
                entry.msgid_plural += _unquote(line)
            else:
                entry.msgstr[field] += _unquote(line)
    if entry.line:
        entries.append(entry)
    return [each for each in entries if each.msgid and not each.obsolete]


HTML_TAG = re.compile(r"<[^>]+>")
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdif]|%[sdif]|\{[a-z_0-9]*\}|\bCOUNT\b")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text.replace("%%", "")))


def catalogue_problems(path: Path) -> list[str]:
    problems = []
    for entry in read_po(path):
        where = f"{path.name}:{entry.line}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        expected = 2 if entry.msgid_plural is not None else 1
        strings = [entry.msgstr.get(index, "") for index in range(expected)]
        if not all(string.strip() for string in strings):
            problems.append(f"{where} has no translation")
            continue
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid_plural]
        for string in strings:
            wanted = _placeholders(sources[0])
            got = _placeholders(string)
            # A singular may leave out the count ("Un mensaje"), never a named placeholder.
            if entry.msgid_plural is not None and got != wanted:
                got = [each for each in got if each not in ("%(count)d", "%(count)s", "%d")]
                wanted = [each for each in wanted if each not in ("%(count)d", "%(count)s", "%d")]
            if got != wanted:
                problems.append(f"{where}: placeholders {got} instead of {wanted}")
            if sorted(HTML_TAG.findall(string)) != sorted(HTML_TAG.findall(sources[0])):
                problems.append(f"{where}: its HTML differs from the English")
    return problems


def test_the_spanish_catalogue_is_complete_and_keeps_every_placeholder():
    problems = catalogue_problems(SPANISH_PO)
    assert not problems, "\n".join(problems)


def test_the_spanish_catalogue_declares_spanish_plurals():
    header = SPANISH_PO.read_text().split("\n\n", 1)[0]
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in header
    assert '"Language: es\\n"' in header


def test_the_catalogue_check_finds_missing_fuzzy_and_broken_placeholders(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: es\\n"\n\n'
        'msgid "Fine"\nmsgstr "Bien"\n\n'
        'msgid "Missing"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Guessed"\nmsgstr "Adivinado"\n\n'
        '#, python-format\nmsgid "Hello %(name)s"\nmsgstr "Hola %(nombre)s"\n\n'
        'msgid "One"\nmsgid_plural "%(count)d things"\nmsgstr[0] "Una cosa"\n'
        'msgstr[1] "%(count)d cosas"\n\n'
        'msgid "<a href=\\"%(url)s\\">Sign in</a>."\nmsgstr "Inicia sesión en %(url)s."\n'
    )
    problems = catalogue_problems(po)
    assert len(problems) == 4, problems
    assert "'Missing' has no translation" in problems[0]
    assert "'Guessed' is fuzzy" in problems[1]
    assert "%(nombre)s" in problems[2]
    assert "its HTML differs" in problems[3]


def test_the_compiled_catalogue_is_up_to_date():
    assert SPANISH_MO.exists(), "Run `make messages` (make run and make test do it first)."
    assert SPANISH_MO.stat().st_mtime >= SPANISH_PO.stat().st_mtime, "Run `make messages`."


# --- c) every page speaks Spanish at run time -------------------------------------------------

# Content, not interface: rows a data migration writes in English (the library's safety article),
# which no template string decides.
CONTENT_NOT_INTERFACE = {"Using this site on a device someone else may check"}
SHOWN_ATTRIBUTES = TRANSLATED_ATTRIBUTES | {"value"}


def _normalised(text: str) -> str:
    return " ".join(text.split())


def _english_patterns():
    """One anchored regular expression matching any English msgid of the catalogue whose Spanish
    differs (placeholders match any text), and one unanchored for the long ones (three words or
    more), which must not appear even inside a longer text."""
    spanish = set()
    english = set()
    for entry in read_po(SPANISH_PO):
        strings = list(entry.msgstr.values())
        spanish |= {_normalised(string) for string in strings}
        for source in filter(None, [entry.msgid, entry.msgid_plural]):
            if _normalised(source) not in {_normalised(string) for string in strings}:
                english.add(_normalised(source))
    english -= spanish | CONTENT_NOT_INTERFACE

    def pattern(source):
        parts = PLACEHOLDER.split(source)
        return ".+?".join(re.escape(part) for part in parts)

    # "In %(name)s" would match any English text starting with "In" (a library article's own
    # words): a msgid with placeholders counts only with two words of its own or more.
    english = {
        source
        for source in english
        if not PLACEHOLDER.search(source) or len(PLACEHOLDER.sub(" ", source).split()) >= 2
    }
    by_length = sorted(english, key=len, reverse=True)
    whole = re.compile("^(?:" + "|".join(pattern(source) for source in by_length) + ")$")
    long_ones = [source for source in by_length if len(PLACEHOLDER.sub("", source).split()) >= 3]
    inside = re.compile(r"(?<!\w)(?:" + "|".join(pattern(source) for source in long_ones) + r")")
    return whole, inside


class _ShownText(HTMLParser):
    """Every text node and every shown attribute of a page (data-* too: the chat's script
    shows those strings), outside scripts and styles."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.html_lang = None
        self._raw = None

    def handle_starttag(self, tag, attrs):
        if tag == "html":
            self.html_lang = dict(attrs).get("lang")
        if tag in ("script", "style"):
            self._raw = tag
        for name, value in attrs:
            if value and (name in SHOWN_ATTRIBUTES or name.startswith("data-")):
                if name == "value" and tag != "button" and dict(attrs).get("type") != "submit":
                    continue
                self.texts.append(_normalised(value))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == self._raw:
            self._raw = None

    def handle_data(self, data):
        if self._raw is None and data.strip():
            self.texts.append(_normalised(data))


def english_left_on(pages) -> tuple[list[str], int]:
    whole, inside = _english_patterns()
    problems, checked = [], 0
    for page in pages:
        if not page.is_html or page.status not in (200, 400, 403, 404):
            continue
        checked += 1
        shown = _ShownText()
        shown.feed(page.html)
        if shown.html_lang != "es":
            problems.append(f"{page.path}: <html lang={shown.html_lang!r}>")
        for text in shown.texts:
            found = whole.match(text) or inside.search(text)
            if found:
                problems.append(f"{page.path}: {found.group(0)!r} in {text[:80]!r}")
    return sorted(set(problems)), checked


@pytest.fixture
def spanish_community(db):
    """Members of every role who chose Spanish, and pages enough for each role's crawl to reach
    every kind of page: a group with a thread, a reply and its live room, a support thread with
    an advocate, a report in the queue, a journal entry."""
    member = make_member(pseudonym="Lucia")
    group = make_group(name="Turno de noche", rules="Respeto.")
    add_member(group, member)
    moderator = make_member(pseudonym="Marta", mfa=True)
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    thread = make_thread(group, member, title="Lo que pasó", body="Necesito apoyo.")
    get_or_create_group_room(group=group)
    advocate = make_advocate(pseudonym="Ana")
    add_member(group, advocate)
    make_support_thread(member=member, advocate=advocate)
    staff = make_member(pseudonym="Equipo", staff=True, mfa=True)
    for user in (member, moderator, advocate, staff):
        user.profile.language = "es"
        user.profile.save(update_fields=["language"])
    reporter = Client()
    reporter.force_login(moderator)
    reporter.post(reverse("moderation:flag", args=["post", thread.pk]), {"reason": "harassment"})
    return {
        "group": group,
        "member": member,
        "moderator": moderator,
        "advocate": advocate,
        "staff": staff,
    }


@pytest.mark.django_db
def test_every_page_an_anonymous_visitor_sees_is_in_spanish(spanish_community):
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    pages = crawl(
        client,
        ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/", "/privacy/"],
        limit=40,
    )
    problems, checked = english_left_on(pages)
    assert checked >= 5
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "moderator", "advocate", "staff"])
def test_every_page_a_signed_in_member_sees_is_in_their_chosen_spanish(role, spanish_community):
    client = Client()  # no Accept-Language: the profile's choice alone
    client.force_login(spanish_community[role])
    if role == "member":
        unlock_journal(client)
    group = spanish_community["group"]
    start = ["/", "/settings/", f"/groups/{group.slug}/", "/messages/", "/journal/"]
    if role == "staff":
        start += ["/moderation/", "/moderation/audit/", "/moderation/appeals/"]
    pages = crawl(client, start, limit=120)
    problems, checked = english_left_on(pages)
    assert checked >= 20, role
    assert not problems, "\n".join(problems)


def test_the_run_time_check_finds_an_english_interface_string():
    class Page:
        path = "/x/"
        status = 200
        is_html = True
        html = (
            '<html lang="es"><p>Guardar</p><p>Save changes</p>'
            '<button aria-label="Message actions">x</button>'
            "<p>Hola. Your profile is saved.</p><p>Welcome back, Lucia</p></html>"
        )

    problems, checked = english_left_on([Page()])
    assert checked == 1
    assert problems == [
        "/x/: 'Message actions' in 'Message actions'",
        "/x/: 'Save changes' in 'Save changes'",
        "/x/: 'Welcome back, Lucia' in 'Welcome back, Lucia'",
        "/x/: 'Your profile is saved.' in 'Hola. Your profile is saved.'",
    ]


class _Forms(HTMLParser):
    """The post forms of a page a person fills in (a text box, a date, a password)."""

    FILLED = {"text", "email", "password", "date", "datetime-local", "number", "url", "search"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._current = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "").lower() == "post":
            self._current = {"action": attrs.get("action") or "", "fills": False}
            self.forms.append(self._current)
        elif self._current is not None and (
            tag == "textarea" or (tag == "input" and attrs.get("type", "text") in self.FILLED)
        ):
            self._current["fills"] = True

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None


# Posting nothing to these would act (sign out, delete, wipe) rather than show errors.
ACTING_FORMS = re.compile(r"logout|delete|wipe|setlang|/end|dismiss|remove|revoke|leave")


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "moderator", "advocate", "staff"])
def test_every_form_sent_empty_shows_its_errors_in_spanish(role, spanish_community):
    """What the crawl cannot reach: each form's page after a send with nothing filled in, where
    the error summaries and field errors are (forms' own messages, Django's and ours)."""
    client = Client()
    client.force_login(spanish_community[role])
    if role == "member":
        unlock_journal(client)
    group = spanish_community["group"]
    pages = crawl(client, ["/", "/settings/", f"/groups/{group.slug}/", "/journal/"], limit=80)
    targets = set()
    for page in pages:
        if not page.is_html or page.status != 200:
            continue
        forms = _Forms()
        forms.feed(page.html)
        for form in forms.forms:
            action = form["action"] or page.path
            if form["fills"] and action.startswith("/") and not ACTING_FORMS.search(action):
                targets.add(action)
    answered = []
    for action in sorted(targets):
        response = client.post(action, {})
        answered.append(
            type(pages[0])(
                action,
                response.status_code,
                dict(response.headers.items()),
                response.content.decode(errors="replace"),
            )
        )
    problems, checked = english_left_on(answered)
    assert checked >= 5, (role, sorted(targets))
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_a_forms_help_text_with_numbers_follows_each_requests_language():
    """A help text built at import (`lazy_text % values`) would stay in the language of the
    first request the process served: here English and Spanish pages, one after the other."""
    readers = {}
    for language in ("en", "es", "en"):
        user = make_member()
        user.profile.language = language
        user.profile.save(update_fields=["language"])
        client = Client()
        client.force_login(user)
        unlock_journal(client)
        readers.setdefault(language, []).append(
            client.get(reverse("journal_entry_create")).content.decode()
        )
    assert all("Up to 5 files of at most" in html for html in readers["en"])
    assert "Hasta 5 archivos de" in readers["es"][0]


@pytest.mark.django_db
def test_django_and_allauth_strings_on_our_pages_say_tu_like_ours():
    """Their catalogues say "usted"; config/translation_overrides.py lists what our pages show,
    so our catalogue (first in LOCALE_PATHS) says it our way."""
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    signup = client.get(reverse("account_signup")).content.decode()
    assert "Tu contraseña debe tener al menos 10 caracteres." in signup
    assert "Su contraseña" not in signup
    login = client.get(reverse("account_login")).content.decode()
    assert "¿Olvidaste tu contraseña?" in login


def test_the_catalogue_holds_every_string_the_code_marks(tmp_path, monkeypatch, settings):
    """A string marked but never extracted is in no catalogue, so no other check here knows
    it: extract again, from a copy of the code, over a copy of the catalogue, and nothing may
    come out new (empty) or changed (fuzzy). Needs GNU gettext, as `make test` installs it."""
    ignored = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("community", "messaging", "moderation", "config", "templates"):
        shutil.copytree(BASE_DIR / name, tmp_path / name, ignore=ignored)
    shutil.copy(BASE_DIR / "manage.py", tmp_path / "manage.py")
    catalogue = tmp_path / "locale" / "es" / "LC_MESSAGES" / "django.po"
    catalogue.parent.mkdir(parents=True)
    shutil.copy(SPANISH_PO, catalogue)
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["es"], no_obsolete=True, verbosity=0)
    problems = catalogue_problems(catalogue)
    assert not problems, "Run `make translations`, then translate:\n" + "\n".join(problems)
