"""The "before you send" check (DESIGN.md invariant 14) through the real pages: every composer
holds back text that would identify its writer, keeps it in the form, says what kind of thing
it found, and sends it only when the member confirms. Also: the member's private list of words
that identify them, a group's watched words, and the self-harm notice."""

import io
import json
import logging
import zipfile
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from community.before_you_send import (
    MAX_PHONE_CANDIDATES,
    HeldBack,
    WriterWords,
    check_text,
    hold_back_if_identifying,
)
from community.models import (
    Article,
    IdentifyingWords,
    Membership,
    Perspective,
    Post,
    Profile,
    SupportRequest,
)
from community.services.perspectives import sync_sections
from community.services.profiles import save_before_you_send_settings
from messaging.models import Message, Notification
from messaging.services.conversations import get_or_create_group_room
from moderation.models import Appeal, AuditLogEntry, Flag, Sanction
from tests.community.advocates_helpers import make_advocate, specialty
from tests.community.groups_helpers import add_member, make_group, make_thread
from tests.factories import PASSWORD, make_member, make_support_thread, signed_in

pytestmark = pytest.mark.django_db

WARNING = b"Before you send: this could identify you."
PHONE = "Call me on (415) 555-2671 after work."


def kinds(text: str, **words) -> tuple[str, ...]:
    return check_text(text, words=WriterWords(**words)).kinds


# --- What the check finds -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ring (415) 555-2671 tonight", ("phone",)),
        ("My mobile is +44 7911 123456", ("phone",)),
        ("+33 6 12 34 56 78", ("phone",)),
        ("Write to jane.doe@acme-corp.com", ("email", "link")),
        ("It is all on https://intranet.example/people", ("link",)),
        ("See www.example.org for the policy", ("link",)),
        ("Look at acme.co.uk/careers", ("link",)),
        ("Find me on @jane_doe_1984", ("handle",)),
    ],
)
def test_each_kind_of_identifying_detail_is_found(text, expected):
    assert kinds(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "It happened on 2026-12-02 at 14:30, in room 4.",
        "He said it three times on 12/02/2026.",
        "My salary dropped by 1,200,000 pesos",
        "We were 15 people, then 7, then 2.",
        "Ticket 4111 1111 1111 1111 was not a phone number",
        "An email is not a handle: write to nobody, @ the end",
        "I am fine. Really. Ok.",
    ],
)
def test_ordinary_text_is_not_held_back(text):
    assert kinds(text) == ()


def test_numbers_of_the_members_region_count_and_the_site_default_applies_otherwise(settings):
    settings.KINDRED_PHONE_REGION = "US"
    assert kinds("06 12 34 56 78") == ()
    assert kinds("06 12 34 56 78", region="FR") == ("phone",)
    assert kinds("(415) 555-2671", region="FR") == ()


def test_own_and_watched_words_match_whole_words_whatever_the_case_and_accents():
    own = ("Initech", "Zoë Martínez", "north office")
    assert kinds("the INITECH canteen", own=own) == ("own_word",)
    assert kinds("I told zoe martinez", own=own) == ("own_word",)
    assert kinds("our North   Office floor", own=own) == ("own_word",)
    assert kinds("initechnology is not it", own=own) == ()
    assert kinds("anyone from Globex here?", watched=("globex",)) == ("watched_word",)


def test_a_wall_of_digits_costs_a_bounded_number_of_phone_parses():
    # More candidates than the check parses: the number after them is not looked for.
    walls = " ".join(["1234567"] * (MAX_PHONE_CANDIDATES + 1))
    assert kinds(f"{walls} (415) 555-2671") == ()
    assert kinds("(415) 555-2671 " + walls) == ("phone",)


@pytest.mark.parametrize(
    "text",
    [
        "Some days I want to die.",
        "I keep thinking about killing myself",
        "I'd be better off dead",
        "I don\u2019t want to be alive any more",
        "I have been cutting myself again",
        "thinking of suicide",
    ],
)
def test_self_harm_signals_are_noticed(text):
    assert check_text(text).self_harm


@pytest.mark.parametrize(
    "text",
    [
        "I could die laughing at his excuses",
        "We had to kill time before the hearing",
        "This deadline is killing me",
        "He said it was harmless banter",
        "I'd die for a coffee",
        "I am dead tired after that meeting",
        "Stop hurting my team",
    ],
)
def test_figures_of_speech_are_not_self_harm_signals(text):
    assert not check_text(text).self_harm


def test_held_back_names_the_kinds_never_the_text():
    with pytest.raises(HeldBack) as held:
        hold_back_if_identifying(
            text="Initech, (415) 555-2671",
            user=None,
            confirmed=False,
            words=WriterWords(own=("Initech",)),
        )
    assert held.value.findings.kinds == ("phone", "own_word")
    assert "Initech" not in str(held.value) and "555" not in str(held.value)
    assert held.value.findings.labels == [
        "a phone number",
        "a word on your list of words that identify you",
    ]


# --- Every composer: held back with the text kept, sent when confirmed -------------------


def _thread_scene():
    author = make_member()
    group = make_group()
    add_member(group, author)
    return author, group


def _thread_new():
    author, group = _thread_scene()
    return (
        author,
        reverse("thread_new", args=[group.slug]),
        {"title": "About the rota", "body": PHONE},
        lambda: Post.objects.filter(thread__isnull=True).count(),
    )


def _reply():
    author, group = _thread_scene()
    thread = make_thread(group, author, title="Rota")
    return (
        author,
        reverse("thread_detail", args=[group.slug, thread.pk]),
        {"body": PHONE},
        lambda: Post.objects.filter(thread=thread).count(),
    )


def _post_edit():
    author, group = _thread_scene()
    thread = make_thread(group, author, title="Rota")
    return (
        author,
        reverse("post_edit", args=[group.slug, thread.pk]),
        {"title": "Rota", "body": PHONE},
        lambda: Post.objects.filter(pk=thread.pk, body=PHONE).count(),
    )


def _profile():
    member = make_member()
    return (
        member,
        reverse("profile_edit"),
        {
            "pseudonym": member.profile.pseudonym,
            "pronouns": "",
            "bio": PHONE,
            "dm_policy": Profile._meta.get_field("dm_policy").default,
        },
        lambda: Profile.objects.filter(user=member, bio=PHONE).count(),
    )


def _support_request():
    member = make_member()
    return (
        member,
        reverse("support_request_new"),
        {
            "specialty": specialty("counselling").pk,
            "language": "en",
            "urgency": "normal",
            "summary": PHONE,
        },
        lambda: SupportRequest.objects.filter(member=member).count(),
    )


def _appeal():
    member, group = _thread_scene()
    sanction = Sanction.objects.create(
        user=member,
        group=group,
        kind=Sanction.Kind.MUTE,
        reason="cool down",
        ends_at=timezone.now() + timedelta(hours=1),
        created_by=make_member(),
    )
    return (
        member,
        reverse("moderation:appeal", args=[sanction.pk]),
        {"text": PHONE},
        lambda: Appeal.objects.filter(sanction=sanction).count(),
    )


def _article_section():
    article = Article.objects.create(
        slug="speaking-up", title="Speaking up", summary="s", body="Intro.\n\n### Ask\nText.\n"
    )
    sync_sections(article=article)
    return article


def _perspective_add():
    article = _article_section()
    return (
        make_member(),
        reverse("resource_section", args=[article.slug, "ask"]),
        {"body": PHONE},
        lambda: Perspective.objects.count(),
    )


def _perspective_edit():
    article = _article_section()
    author = make_member()
    perspective = Perspective.objects.create(
        section=article.sections.get(key="ask"), author=author, body="Ask early."
    )
    return (
        author,
        reverse("perspective_edit", args=[perspective.pk]),
        {"body": PHONE},
        lambda: Perspective.objects.filter(pk=perspective.pk, body=PHONE).count(),
    )


def _room_message():
    author, group = _thread_scene()
    room = get_or_create_group_room(group=group)
    return (
        author,
        reverse("messaging:send", args=[room.pk]),
        {"body": PHONE, "client_id": "room-1"},
        lambda: Message.objects.filter(conversation=room).count(),
    )


def _direct_message():
    sender, group = _thread_scene()
    recipient = make_member()
    add_member(group, recipient)
    return (
        sender,
        reverse("messaging:direct_with", args=[recipient.profile.public_id]),
        {"body": PHONE, "client_id": "dm-1"},
        lambda: Message.objects.filter(sender=sender).count(),
    )


def _support_message():
    member, advocate = make_member(), make_member()
    conversation = make_support_thread(member=member, advocate=advocate)
    return (
        member,
        reverse("messaging:send", args=[conversation.pk]),
        {"body": PHONE, "client_id": "support-1"},
        lambda: Message.objects.filter(conversation=conversation).count(),
    )


COMPOSERS = {
    "thread": _thread_new,
    "reply": _reply,
    "post edit": _post_edit,
    "profile bio": _profile,
    "support request": _support_request,
    "appeal": _appeal,
    "perspective": _perspective_add,
    "perspective edit": _perspective_edit,
    "room message": _room_message,
    "direct message": _direct_message,
    "support message": _support_message,
}


@pytest.mark.parametrize("composer", COMPOSERS)
def test_every_composer_holds_back_a_phone_number_until_confirmed(composer):
    writer, url, data, stored = COMPOSERS[composer]()
    client = signed_in(writer)
    before = stored()

    held = client.post(url, data)
    assert held.status_code == 200
    assert WARNING in held.content and b"a phone number" in held.content
    assert b'name="confirm_send" value="1"' in held.content
    assert b"(415) 555-2671" in held.content  # the text is kept in the form
    assert stored() == before
    assert not Notification.objects.exclude(recipient=writer).exists()

    sent = client.post(url, {**data, "confirm_send": "1"})
    assert sent.status_code == 302, sent.content[:300]
    assert stored() == before + 1


def test_a_word_on_the_members_list_holds_a_reply_back_and_the_warning_names_the_list():
    writer, url, data, stored = _reply()
    save_before_you_send_settings(user=writer, words=["Initech", "Ms Lumbergh"], phone_region="")
    held = signed_in(writer).post(url, {"body": "At initech, ms  lumbergh said it again."})
    assert WARNING in held.content
    assert b"a word on your list of words that identify you" in held.content
    assert b"a phone number" not in held.content
    assert stored() == 0


def test_clean_text_is_sent_at_once_and_confirmation_is_never_asked():
    writer, url, _data, stored = _reply()
    response = signed_in(writer).post(url, {"body": "It happened again on Tuesday."})
    assert response.status_code == 302 and stored() == 1


def test_the_matched_text_reaches_no_log_notification_or_moderation_record(caplog):
    writer, url, _data, _stored = _direct_message()
    save_before_you_send_settings(user=writer, words=["Vandelay Industries"], phone_region="")
    with caplog.at_level(logging.DEBUG):
        held = signed_in(writer).post(
            url, {"body": "I work at Vandelay Industries, 4th floor", "client_id": "x"}
        )
    assert WARNING in held.content
    assert "Vandelay" not in caplog.text
    assert not Notification.objects.exists()
    assert not Message.objects.exists()
    assert not Flag.objects.exists() and not AuditLogEntry.objects.exists()


# --- The member's own list: private, encrypted, theirs --------------------------------------


def test_the_words_list_is_saved_encrypted_and_shown_to_its_owner_only():
    owner, other = make_member(), make_member()
    client = signed_in(owner)
    url = reverse("before_you_send_settings")
    response = client.post(
        url, {"words": "Initech\n  Penelope Jones \n\nInitech", "phone_region": "GB"}
    )
    assert response.status_code == 302
    stored = IdentifyingWords.objects.get(user=owner)
    assert stored.words == "Initech\nPenelope Jones\nInitech"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT words FROM {IdentifyingWords._meta.db_table}")  # noqa: S608
        raw = cursor.fetchone()[0]
    assert "Penelope" not in raw and "Initech" not in raw
    assert Profile.objects.get(user=owner).phone_region == "GB"
    assert b"Penelope Jones" in client.get(url).content
    assert b"Penelope Jones" not in signed_in(other).get(url).content
    profile_page = signed_in(other).get(reverse("profile_detail", args=[owner.profile.public_id]))
    assert b"Penelope" not in profile_page.content
    assert IdentifyingWords not in admin.site._registry


def test_the_words_list_refuses_too_many_or_too_long_entries_and_keeps_the_text():
    client = signed_in(make_member())
    url = reverse("before_you_send_settings")
    too_many = "\n".join(f"word{number}" for number in range(101))
    response = client.post(url, {"words": too_many, "phone_region": ""})
    assert response.status_code == 400 and b"At most 100 words or phrases." in response.content
    assert b"word100" in response.content
    response = client.post(url, {"words": "x" * 81, "phone_region": "ZZ"})
    assert response.status_code == 400
    assert not IdentifyingWords.objects.exists()


def test_an_emptied_list_leaves_no_row_and_the_export_carries_the_list():
    owner = make_member()
    save_before_you_send_settings(user=owner, words=["Initech"], phone_region="FR")
    response = signed_in(owner).post(reverse("data_export"), {"password": PASSWORD})
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        account = json.loads(archive.read("account.json"))
    assert account["words_that_identify_me"] == ["Initech"]
    assert account["profile"]["phone_numbers_region"] == "FR"
    save_before_you_send_settings(user=owner, words=[], phone_region="")
    assert not IdentifyingWords.objects.exists()


# --- A group's watched words -----------------------------------------------------------------


def test_group_moderators_with_two_factor_set_watched_words_that_hold_back_in_that_group_only():
    moderator = make_member(mfa=True)
    writer, group = _thread_scene()
    add_member(group, moderator, role=Membership.Role.MODERATOR)
    other_group = make_group(name="Elsewhere")
    add_member(other_group, writer)
    url = reverse("group_watched_words", args=[group.slug])

    assert signed_in(writer).get(url).status_code in (403, 404)
    no_second_factor = make_member()
    add_member(group, no_second_factor, role=Membership.Role.MODERATOR)
    assert signed_in(no_second_factor).get(url)["Location"] == reverse("mfa_activate_totp")

    response = signed_in(moderator).post(url, {"watched_words": "Globex\n\n  Springfield plant "})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.watched_words == "Globex\nSpringfield plant"

    client = signed_in(writer)
    data = {"title": "Shifts", "body": "Anyone else at the springfield plant?"}
    held = client.post(reverse("thread_new", args=[group.slug]), data)
    assert b"a word this group&#x27;s moderators asked everyone to be careful with" in held.content
    elsewhere = client.post(reverse("thread_new", args=[other_group.slug]), data)
    assert elsewhere.status_code == 302


# --- Self-harm: never held back; the writer is shown where help is ---------------------------


def test_a_self_harm_signal_is_sent_and_the_writer_alone_is_shown_crisis_resources():
    writer, url, _data, stored = _reply()
    response = signed_in(writer).post(url, {"body": "Honestly, I want to die."}, follow=True)
    assert stored() == 1
    assert b"you do not have to face it alone" in response.content
    assert reverse("resource_article", args=["crisis-lines"]).encode() in response.content
    assert not Notification.objects.exists()

    calm = signed_in(writer).post(url, {"body": "I could die laughing at it."}, follow=True)
    assert b"you do not have to face it alone" not in calm.content


def test_an_advocate_writing_in_a_support_thread_is_held_back_too():
    member, advocate = make_member(), make_advocate()
    conversation = make_support_thread(member=member, advocate=advocate)
    url = reverse("messaging:send", args=[conversation.pk])
    held = signed_in(advocate).post(url, {"body": "Email me: a.person@example.org"})
    assert WARNING in held.content and b"an email address" in held.content
    assert not Message.objects.exists()
