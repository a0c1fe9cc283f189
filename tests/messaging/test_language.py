"""A socket speaks its member's language (issue 13): what a frame says (an error, a notice) is
in the language their pages are in."""

import pytest
from channels.db import database_sync_to_async

from tests.messaging.conftest import open_socket, receive

pytestmark = pytest.mark.django_db(transaction=True)


@database_sync_to_async
def _choose(user, language: str) -> None:
    user.profile.language = language
    user.profile.save(update_fields=["language"])


async def test_error_frames_are_in_the_members_chosen_language(member):
    await _choose(member, "es")
    socket = await open_socket(member)
    await socket.send_to(text_data='{"type": "dance"}')
    frame = await receive(socket)
    assert frame["code"] == "unknown_type"
    assert frame["message"] == "Tipo de trama desconocido."
    await socket.disconnect()


async def test_error_frames_stay_in_english_for_a_member_who_chose_it(member):
    await _choose(member, "en")
    socket = await open_socket(member)
    await socket.send_to(text_data='{"type": "dance"}')
    assert (await receive(socket))["message"] == "Unknown frame type."
    await socket.disconnect()
