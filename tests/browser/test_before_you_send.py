""" "Before you send" in real Chromium, by keyboard: a chat message with a phone number is held
back in place with "Send anyway" and "Change it", a reply with a word on the member's own list
comes back with the text kept, and a message with a self-harm signal is sent and shows its
writer alone where help is. Axe audits the warnings."""

import pytest
from playwright.sync_api import expect

from community.services.profiles import save_before_you_send_settings
from messaging.models import Message
from messaging.services.conversations import get_or_create_group_room
from tests.community.groups_helpers import make_thread
from tests.factories import make_member
from tests.messaging.conftest import make_group

pytestmark = pytest.mark.browser


def _send(page, text):
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def test_a_held_back_chat_message_is_changed_or_sent_anyway_by_keyboard(browser_session, axe):
    alice, bob = make_member(pseudonym="AliceFern"), make_member(pseudonym="BobCedar")
    group = make_group(name="Warehouse", members=[alice, bob])
    get_or_create_group_room(group=group)
    alice_session, bob_session = browser_session(), browser_session()
    alice_session.login(alice)
    bob_session.login(bob)
    alice_page, bob_page = alice_session.page, bob_session.page
    for page in (alice_page, bob_page):
        page.goto(f"/rooms/{group.slug}/")
        expect(page.locator("#chat-status")).to_have_text("Live")

    _send(alice_page, "my number is (415) 555-2671")
    held = alice_page.locator("#chat-messages li.is-held")
    expect(held).to_contain_text("We found a phone number. Nothing was sent.")
    send_anyway = held.get_by_role("button", name="Send anyway")
    expect(send_anyway).to_be_focused()
    axe(alice_page, "with a chat message held back")
    assert Message.objects.count() == 0

    # "Change it" puts the text back in the composer.
    held.get_by_role("button", name="Change it").press("Enter")
    expect(alice_page.get_by_label("Your message")).to_have_value("my number is (415) 555-2671")
    expect(alice_page.locator("#chat-messages li.is-held")).to_have_count(0)

    # Sent again, then sent anyway: Bob gets it once.
    alice_page.get_by_label("Your message").press("Enter")
    alice_page.locator("#chat-messages li.is-held").get_by_role("button", name="Send anyway").press(
        "Enter"
    )
    expect(bob_page.locator("#chat-messages .chat-body").last).to_have_text(
        "my number is (415) 555-2671"
    )
    expect(alice_page.locator("#chat-messages li.is-pending")).to_have_count(0)
    assert Message.objects.count() == 1

    # A self-harm signal: sent, and only its writer is shown where help is.
    _send(alice_page, "some nights I want to die")
    expect(bob_page.locator("#chat-messages .chat-body").last).to_have_text(
        "some nights I want to die"
    )
    notice = alice_page.locator("#chat-notice")
    expect(notice).to_contain_text("you do not have to face it alone")
    expect(notice.get_by_role("link", name="People you can reach right now")).to_have_attribute(
        "href", "/resources/crisis-lines/"
    )
    expect(bob_page.locator("#chat-notice")).to_be_hidden()
    axe(alice_page, "with the crisis notice")


def test_a_reply_with_a_word_on_the_members_list_comes_back_kept_until_confirmed(
    browser_session, axe
):
    member = make_member(pseudonym="QuietLark")
    group = make_group(name="Night shift", members=[member])
    thread = make_thread(group, member, title="Rota")
    save_before_you_send_settings(user=member, words=["Initech"], phone_region="")
    session = browser_session()
    session.login(member)
    page = session.page
    page.goto(f"/groups/{group.slug}/threads/{thread.pk}/")
    page.get_by_label("Your reply").fill("They moved the whole Initech team again.")
    page.get_by_role("button", name="Post reply").press("Enter")

    warning = page.get_by_role("alert").filter(has_text="this could identify you")
    expect(warning).to_contain_text("a word on your list of words that identify you")
    expect(page.get_by_label("Your reply")).to_have_value(
        "They moved the whole Initech team again."
    )
    axe(page, "with a reply held back")
    warning.get_by_role("button", name="Send anyway").press("Enter")
    expect(page.get_by_text("Your reply is posted.")).to_be_visible()
    expect(page.get_by_text("They moved the whole Initech team again.")).to_be_visible()
