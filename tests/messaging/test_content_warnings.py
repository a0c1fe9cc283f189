"""Content warnings in chat (issue 12; docs/protocol.md, "Content warnings"): a `send` frame
may carry `content_warning` (at most 200 characters); every message object the server sends
carries it; it is in history, resume, the page (folded), exports, the moderation snapshot and
search; a tombstone drops it."""

import io
import json
import zipfile

import pytest
from channels.db import database_sync_to_async as db
from django.test import Client
from django.urls import reverse

from community.services.data_rights import export_all_data
from messaging.models import Message
from moderation.models import ReviewItem
from tests.factories import make_member
from tests.messaging.conftest import add_member, join, open_socket, receive_until, send, send_frame

pytestmark = pytest.mark.django_db(transaction=True)

WARNING = "describes a panic attack"


async def test_the_warning_travels_with_the_message_live_in_history_and_on_resume(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    await send(alice, send_frame(room, "c-1", "It happened again.", content_warning=WARNING))
    ack = await receive_until(alice, "ack")
    live = await receive_until(bob, "message")
    assert live["message"]["content_warning"] == WARNING
    assert live["message"]["body"] == "It happened again."
    await send(alice, send_frame(room, "c-2", "No warning on this one."))
    plain = await receive_until(bob, "message")
    assert plain["message"]["content_warning"] == ""
    await bob.disconnect()

    # A fresh join (latest page) and a resume both carry it.
    carol = await open_socket(other_member)
    latest = await join(carol, room.pk)
    assert [m["content_warning"] for m in latest] == [WARNING, ""]
    await carol.disconnect()
    dave = await open_socket(other_member)
    resumed = await join(dave, room.pk, after_seq=ack["seq"] - 1)
    assert resumed[0]["content_warning"] == WARNING
    await dave.disconnect()
    await alice.disconnect()


async def test_a_long_or_malformed_warning_is_refused_and_nothing_is_stored(
    room_with_two_members, member
):
    room = room_with_two_members
    alice = await open_socket(member)
    await join(alice, room.pk)
    await send(alice, send_frame(room, "c-1", "text", content_warning="x" * 201, ref=3))
    error = await receive_until(alice, "error")
    assert (error["code"], error["client_id"], error["ref"]) == (
        "content_warning_too_long",
        "c-1",
        3,
    )
    assert "200 characters" in error["message"]
    await send(alice, send_frame(room, "c-2", "text", content_warning={"a": 1}))
    assert (await receive_until(alice, "error"))["code"] == "invalid"
    assert await db(Message.objects.count)() == 0
    # Exactly 200 characters, and surrounding space trimmed, is fine; the socket still serves.
    await send(alice, send_frame(room, "c-3", "text", content_warning=f"  {'y' * 200}  "))
    await receive_until(alice, "ack")
    assert (await db(Message.objects.get)()).content_warning == "y" * 200
    await alice.disconnect()


async def test_the_warning_is_read_by_before_you_send_too(room_with_two_members, member):
    room = room_with_two_members
    alice = await open_socket(member)
    await join(alice, room.pk)
    await send(alice, send_frame(room, "c-1", "hello", content_warning="call (415) 555-2671"))
    warning = await receive_until(alice, "error")
    assert (warning["code"], warning["kinds"]) == ("identity_warning", ["phone"])
    assert await db(Message.objects.count)() == 0
    await alice.disconnect()


async def test_an_edit_may_change_the_warning_and_a_deletion_drops_it(
    room_with_two_members, member, other_member
):
    room = room_with_two_members
    alice, bob = await open_socket(member), await open_socket(other_member)
    await join(alice, room.pk)
    await join(bob, room.pk)
    await send(alice, send_frame(room, "c-1", "text", content_warning=WARNING))
    ack = await receive_until(alice, "ack")
    await receive_until(bob, "message")
    await send(alice, {"type": "edit", "message_id": ack["id"], "body": "text, edited"})
    kept = await receive_until(bob, "message.updated")
    assert kept["message"]["content_warning"] == WARNING  # not given: unchanged
    await send(
        alice,
        {"type": "edit", "message_id": ack["id"], "body": "text", "content_warning": "loss"},
    )
    assert (await receive_until(bob, "message.updated"))["message"]["content_warning"] == "loss"
    await send(alice, {"type": "delete", "message_id": ack["id"]})
    gone = await receive_until(bob, "message.updated")
    assert gone["message"]["deleted"] is True
    assert gone["message"]["content_warning"] == ""
    assert (await db(Message.objects.get)()).content_warning == ""
    await alice.disconnect()
    await bob.disconnect()


def test_without_scripts_the_form_sends_it_and_the_page_folds_it(room_with_two_members, member):
    room = room_with_two_members
    reader = make_member()
    add_member(group=room.group, user=reader)
    writer = Client()
    writer.force_login(member)
    send_url = reverse("messaging:send", args=[room.pk])
    too_long = writer.post(send_url, {"body": "kept text", "content_warning": "z" * 201})
    assert too_long.status_code == 400
    page = too_long.content.decode()
    assert "A content warning can be at most 200 characters." in page
    assert "kept text" in page and "z" * 201 in page  # nothing lost
    writer.post(send_url, {"body": "The meeting went badly.", "content_warning": WARNING})
    assert Message.objects.get().content_warning == WARNING
    other = Client()
    other.force_login(reader)
    page = other.get(reverse("messaging:room", args=[room.group.slug])).content.decode()
    assert (
        f'<details class="chat-warning"><summary>Content warning: {WARNING}</summary>'
        '<div class="chat-body user-text">The meeting went badly.</div></details>'
    ) in page


def test_exports_the_moderation_snapshot_and_search_carry_it(room_with_two_members, member):
    room = room_with_two_members
    writer = Client()
    writer.force_login(member)
    writer.post(
        reverse("messaging:send", args=[room.pk]),
        {"body": "The meeting went badly.", "content_warning": WARNING},
    )
    message = Message.objects.get()
    with zipfile.ZipFile(io.BytesIO(export_all_data(user=member))) as archive:
        names = [name for name in archive.namelist() if "message" in name]
        exported = [json.loads(archive.read(name)) for name in names]
    assert any(row.get("content_warning") == WARNING for rows in exported for row in rows), exported

    reader = make_member()
    add_member(group=room.group, user=reader)
    flagger = Client()
    flagger.force_login(reader)
    flagger.post(reverse("moderation:flag", args=["message", message.pk]), {"reason": "other"})
    item = ReviewItem.objects.get()
    assert item.snapshot == f"Content warning: {WARNING}\nThe meeting went badly."

    found = flagger.post(reverse("search"), {"q": "panic"}).content.decode()
    assert f"Content warning: {WARNING}" in found
    assert "<details><summary>" in found
