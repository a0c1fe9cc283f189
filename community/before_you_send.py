"""The "before you send" check (DESIGN.md invariant 14): one pipeline every composer runs
before anything a member wrote is stored: threads and replies, room, direct and support
messages, the profile bio, support requests, appeals, perspectives.

It looks for what would identify the writer: phone numbers (the member's region and
international), email addresses, links, social-media handles, the words on the member's own
private "words that identify me" list, and the watched words a group's moderators set. On a
hit nothing is stored: the service raises `HeldBack` with the kinds found (never the matched
text), and the composer offers "Send anyway"; sending again with that confirmation stores it.
It also notices self-harm signals, which never hold anything back: the writer is shown crisis
resources privately.

Matched text is never logged, stored, notified or put in a moderation snapshot: `Findings`
carries kinds only.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.contrib import messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from community.mentions import mention_spans
from community.models import Group, IdentifyingWords
from community.selectors.resources import CRISIS_ARTICLE_SLUG

# The kinds, in the order a warning lists them, with how the warning names each.
KIND_LABELS = {
    "phone": _("a phone number"),
    "email": _("an email address"),
    "link": _("a link"),
    "handle": _("a social-media handle"),
    "own_word": _("a word on your list of words that identify you"),
    "watched_word": _("a word this group's moderators asked everyone to be careful with"),
}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
_LINK = re.compile(
    r"\b(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|io|co|uk|de|fr|es|eu|me|"
    r"info|biz|app|dev|gov|edu)\b(?:/\S*)?",
    re.IGNORECASE,
)
# @name not preceded by a word character (an email's @ is): a handle on any platform.
_HANDLE = re.compile(r"(?<![\w@])@[A-Za-z0-9_][A-Za-z0-9_.]{1,29}\b")
# What could be a phone number: digits (7 to 15 of them) with the usual separators, an
# optional leading +. Each candidate is then parsed; at most MAX_PHONE_CANDIDATES per text, so
# a wall of digits costs a bounded time (the check is the writer's safety net, not a filter
# against someone hiding a number on purpose).
_PHONE_CANDIDATE = re.compile(r"(?<![\d+])\+?\(?\d(?:[ ().-]{0,2}\d){6,14}(?!\d)")
MAX_PHONE_CANDIDATES = 40

# Self-harm signals: short phrases, matched as whole phrases on normalised text, chosen so that
# everyday figures of speech ("I could die laughing", "kill time") do not match.
SELF_HARM_PHRASES = (
    "kill myself",
    "killing myself",
    "end my life",
    "ending my life",
    "take my own life",
    "taking my own life",
    "want to die",
    "wanna die",
    "wish i was dead",
    "wish i were dead",
    "better off dead",
    "no reason to live",
    "not worth living",
    "don't want to be alive",
    "dont want to be alive",
    "don't want to live",
    "dont want to live",
    "hurt myself",
    "hurting myself",
    "harm myself",
    "harming myself",
    "cut myself",
    "cutting myself",
    "suicidal",
    "suicide",
    "overdose",
    "end it all",
)


def _normal(text: str) -> str:
    """Case- and accent-insensitive, apostrophes unified, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = text.replace("\u2019", "'").casefold()
    return " ".join(re.findall(r"[a-z0-9']+", text))


_SELF_HARM = re.compile(
    r"\b(?:" + "|".join(re.escape(phrase) for phrase in SELF_HARM_PHRASES) + r")\b"
)


@dataclass(frozen=True)
class Findings:
    kinds: tuple[str, ...] = ()
    self_harm: bool = False

    @property
    def holds_back(self) -> bool:
        return bool(self.kinds)

    @property
    def labels(self) -> list[str]:
        return [str(KIND_LABELS[kind]) for kind in self.kinds]


class HeldBack(Exception):
    """Nothing was stored: the text would identify its writer. Carries the kinds found."""

    def __init__(self, findings: Findings):
        super().__init__(", ".join(findings.kinds))
        self.findings = findings


@dataclass(frozen=True)
class WriterWords:
    """What the check needs to know of the writer and the place: their own words, the
    place's watched words and the phone region."""

    own: tuple[str, ...] = ()
    watched: tuple[str, ...] = ()
    region: str | None = None
    # Pseudonyms that, written as @Pseudonym, are mentions of people in the place (a room's
    # members), not social-media handles.
    mentionable: tuple[str, ...] = ()


def check_text(text: str, *, words: WriterWords = WriterWords()) -> Findings:
    """The pipeline itself, pure and fast (about a millisecond for 4,000 characters)."""
    if not text:
        return Findings()
    kinds = []
    if _has_phone_number(text, region=words.region):
        kinds.append("phone")
    if _EMAIL.search(text):
        kinds.append("email")
    if _LINK.search(text):
        kinds.append("link")
    if _has_handle(text, mentionable=words.mentionable):
        kinds.append("handle")
    normal = f" {_normal(text)} "
    if any(f" {word} " in normal for word in _normal_words(words.own)):
        kinds.append("own_word")
    if any(f" {word} " in normal for word in _normal_words(words.watched)):
        kinds.append("watched_word")
    return Findings(kinds=tuple(kinds), self_harm=bool(_SELF_HARM.search(normal)))


def _has_handle(text: str, *, mentionable: tuple[str, ...]) -> bool:
    """An @name that is not a mention of someone in the place."""
    handles = [match.start() for match in _HANDLE.finditer(text)]
    if not handles:
        return False
    mentions = {start for start, _name in mention_spans(text, mentionable)}
    return any(start not in mentions for start in handles)


@functools.lru_cache(maxsize=512)
def _normal_words(words: tuple[str, ...]) -> tuple[str, ...]:
    """Normalised once per list (a socket checks every send against the same lists)."""
    return tuple(normal for normal in (_normal(word) for word in words) if normal)


def _has_phone_number(text: str, *, region: str | None) -> bool:
    """A valid number of the member's region, or any valid international one (+…)."""
    region = (region or settings.KINDRED_PHONE_REGION).upper()
    for number, candidate in enumerate(_PHONE_CANDIDATE.finditer(text)):
        if number >= MAX_PHONE_CANDIDATES:
            return False
        try:
            parsed = phonenumbers.parse(candidate.group(0), region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return True
    return False


def own_words_of(*, user_id: int) -> tuple[str, ...]:
    """The member's own "words that identify me", decrypted (one query)."""
    own = IdentifyingWords.objects.filter(user_id=user_id).values_list("words", flat=True).first()
    return tuple(split_words(own or ""))


def words_for(
    *,
    user,
    group_id: int | None = None,
    own: tuple[str, ...] | None = None,
    watched: str | None = None,
    mentionable: tuple[str, ...] = (),
) -> WriterWords:
    """The writer's own list (decrypted), the group's watched words, the writer's region.
    A socket passes what it keeps (`own`, and `watched` from its group), costing no query.
    `mentionable`: the pseudonyms the writer may mention there (a room's members)."""
    if own is None:
        own = own_words_of(user_id=user.pk)
    if watched is None and group_id is not None:
        watched = Group.objects.filter(pk=group_id).values_list("watched_words", flat=True).first()
    profile = getattr(user, "profile", None)
    return WriterWords(
        own=own,
        watched=tuple(split_words(watched or "")),
        region=(profile.phone_region or None) if profile is not None else None,
        mentionable=tuple(mentionable),
    )


def split_words(text: str) -> list[str]:
    """One word or phrase a line (commas also separate)."""
    return [part.strip() for line in text.splitlines() for part in line.split(",") if part.strip()]


def hold_back_if_identifying(
    *, text: str, user, group_id: int | None = None, confirmed: bool, words=None
) -> Findings:
    """Every composer's service calls this before storing. Raises HeldBack unless the member
    confirmed; returns the findings (for the self-harm notice) otherwise."""
    findings = check_text(text, words=words or words_for(user=user, group_id=group_id))
    if findings.holds_back and not confirmed:
        raise HeldBack(findings)
    return findings


# --- For the pages that compose (every composer's view) ------------------------------------

CONFIRM_FIELD = "confirm_send"


def warning_text(findings: Findings) -> str:
    """The warning in one sentence, for answers that carry no page (the socket's error)."""
    return _("Before you send: this could identify you. We found %(kinds)s. Nothing was sent.") % {
        "kinds": ", ".join(findings.labels)
    }


def self_harm_in(values) -> bool:
    """Whether any of the texts (a form's cleaned data, say) carries a self-harm signal."""
    texts = values.values() if isinstance(values, dict) else values
    return any(check_text(text).self_harm for text in texts if isinstance(text, str))


CRISIS_NOTICE_TEXT = _(
    "If you are thinking about harming yourself, you do not have to face it alone."
)
CRISIS_LINK_TEXT = _("People you can reach right now")


def crisis_url() -> str:
    return reverse("resource_article", args=[CRISIS_ARTICLE_SLUG])


def crisis_notice() -> str:
    """What a writer whose text carries a self-harm signal is told, privately: safe HTML."""
    return format_html('{} <a href="{}">{}</a>', CRISIS_NOTICE_TEXT, crisis_url(), CRISIS_LINK_TEXT)


def tell_if_self_harm(request, texts) -> None:
    """Shows the writer the crisis notice (a message on their next page) when one of the texts
    they just sent carries a self-harm signal. Nothing is held back for that."""
    if self_harm_in(texts):
        messages.info(request, crisis_notice())


def send_checked(request, form, send, *, notice_self_harm: bool = True):
    """Runs `send(confirmed=...)`, the composer's service call. When the service holds the
    text back, the form gets `held` (the findings, for includes/before_you_send.html, which
    offers "Send anyway") and this returns None; otherwise it returns what the service
    returned, after telling a writer whose text carries a self-harm signal where help is."""
    try:
        result = send(confirmed=request.POST.get(CONFIRM_FIELD) == "1")
    except HeldBack as held:
        form.held = held.findings
        return None
    if notice_self_harm:
        tell_if_self_harm(request, form.cleaned_data)
    return result
