"""No frame tells a member that someone else named the same person (issue 16, decision 0080):
while a second member's entry makes a match, the first member's open socket receives nothing,
and the matching counsellor's receives the live notice of the match."""

import pytest
from asgiref.sync import sync_to_async

from community.models import MatchingMatch
from tests.community import matching_helpers as browser
from tests.messaging.conftest import frames_until, open_socket, receive_until, send

pytestmark = pytest.mark.django_db(transaction=True)


def _scene():
    counsellor = browser.counsellor_with_key()["user"]
    return counsellor, [browser.eligible_client() for _ in range(2)]


async def test_no_frame_tells_the_first_member_of_a_match(matching_escrow):
    counsellor, [(alice, alice_client), (_bob, bob_client)] = await sync_to_async(_scene)()
    added = await sync_to_async(browser.add_entry)(alice_client, "email", "j.doe@example.com")
    assert added.status_code == 201
    alice_socket = await open_socket(alice)
    counsellor_socket = await open_socket(counsellor)
    try:
        second = await sync_to_async(browser.add_entry)(bob_client, "email", "J.Doe@Example.com ")
        assert second.status_code == 201
        assert await MatchingMatch.objects.acount() == 1
        # The counsellor is told at once; that frame is the proof a frame would have come.
        notice = await receive_until(counsellor_socket, "notification", wait=5)
        assert "j.doe" not in str(notice).lower()
        # Alice's socket: nothing between now and the answer to her own ping.
        await send(alice_socket, {"type": "ping"})
        frames = await frames_until(alice_socket, "pong", wait=5)
        assert [frame["type"] for frame in frames] == ["pong"]
    finally:
        await alice_socket.disconnect()
        await counsellor_socket.disconnect()
