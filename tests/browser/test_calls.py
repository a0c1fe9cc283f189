"""A circle call in three real Chromium contexts (host and two members) through a real coturn
on 127.0.0.1, with fake camera and microphone: everyone receives everyone's audio and video,
every connection is relayed and no host or server-reflexive candidate ever reaches anyone
(DESIGN.md invariant 11); the waiting room, lock, mute, remove and end for all, operated from
the keyboard; axe on the call screen.

The call tests run their own daphne (with TURN_URLS and TURN_SECRET) and their own Chromium
(the fake-media flags), next to the shared ones of tests/browser/conftest.py."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from community.avatars import avatar_pattern
from community.models import JournalEntry
from messaging.models import Call, CallParticipant
from messaging.services.conversations import get_or_create_group_room
from messaging.turn import TURNSERVER_BINARY
from tests.browser.conftest import CHROMIUM_ARGS, BrowserSession, _wait_for_database_writers
from tests.factories import make_member, make_support_thread
from tests.messaging.conftest import make_group
from tests.servers import free_port, start_daphne, start_turnserver, stop_daphne

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path(TURNSERVER_BINARY).exists(), reason="coturn is not installed (.ci/find-coturn)"
    ),
]

SECRET = "browser-test-turn-secret"
MEDIA_ARGS = [
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
# Test instrumentation, not a stand-in for our code: every RTCPeerConnection the page makes is
# kept where the test can read its statistics, descriptions and signalling states so far.
KEEP_PEER_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__peerConnections = [];
  window.RTCPeerConnection = function (...args) {
    const connection = new Native(...args);
    const kept = { connection, config: args[0], states: [] };
    connection.addEventListener("signalingstatechange", () => {
      kept.states.push(connection.signalingState);
    });
    window.__peerConnections.push(kept);
    return connection;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();
"""
# Per open connection: the selected pair's candidate types, every candidate the page knows of
# (side, type, address:port), inbound video frames and audio packets, and the remote description's
# candidate lines.
READ_CONNECTIONS = """
async () => {
  const out = [];
  for (const { connection, config } of window.__peerConnections) {
    if (connection.connectionState === "closed") continue;
    const stats = await connection.getStats();
    const byId = new Map();
    stats.forEach((report) => byId.set(report.id, report));
    let pair = null, frames = 0, packets = 0;
    const candidates = [];
    stats.forEach((report) => {
      const { type, kind } = report;
      if (type === "transport" && report.selectedCandidatePairId) {
        pair = byId.get(report.selectedCandidatePairId);
      }
      if (type === "local-candidate" || type === "remote-candidate") {
        candidates.push({
          side: type === "local-candidate" ? "local" : "remote",
          type: report.candidateType,
          at: `${report.address}:${report.port}`,
        });
      }
      if (type === "inbound-rtp" && kind === "video") frames += report.framesDecoded || 0;
      if (type === "inbound-rtp" && kind === "audio") packets += report.packetsReceived || 0;
    });
    out.push({
      state: connection.connectionState,
      policy: config.iceTransportPolicy,
      servers: config.iceServers.map((server) => server.urls),
      local: pair ? byId.get(pair.localCandidateId).candidateType : null,
      remote: pair ? byId.get(pair.remoteCandidateId).candidateType : null,
      candidates,
      frames,
      packets,
      remoteSdp: connection.remoteDescription ? connection.remoteDescription.sdp : "",
    });
  }
  return out;
}
"""


@pytest.fixture(scope="module")
def relay():
    port = free_port()
    process = start_turnserver(port, SECRET)
    yield port
    stop_daphne(process)


@pytest.fixture(scope="module")
def call_server(django_db_setup, django_db_blocker, relay):
    port = free_port()
    process = start_daphne(
        port,
        {"TURN_URLS": f"turn:127.0.0.1:{relay}?transport=udp", "TURN_SECRET": SECRET},
    )
    yield f"http://127.0.0.1:{port}"
    stop_daphne(process)


@pytest.fixture(scope="module")
def media_chromium(chromium):
    browser = chromium.browser_type.launch(
        executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"),
        args=[*CHROMIUM_ARGS, *MEDIA_ARGS],
    )
    yield browser
    browser.close()


@pytest.fixture
def call_sessions(media_chromium, call_server, transactional_db):
    sessions = []

    def open_session(user):
        session = BrowserSession(media_chromium, call_server)
        session.context.add_init_script(KEEP_PEER_CONNECTIONS)
        session.login(user)
        sessions.append(session)
        return session.page

    yield open_session
    problems = [problem for session in sessions for problem in session.problems]
    for session in sessions:
        session.close()
    _wait_for_database_writers(int(call_server.rsplit(":", 1)[1]))
    assert not problems, "\n".join(problems)


def _press(page, locator) -> None:
    """Operates a control from the keyboard: focus, then Enter (once the call screen's
    script is running, where there is one)."""
    if page.locator("#call").count():
        expect(page.locator("#call")).to_have_attribute("data-ready", "true")
    locator.focus()
    page.keyboard.press("Enter")


def _connections(page) -> list[dict]:
    return page.evaluate(READ_CONNECTIONS)


def _assert_only_relay_addresses(connections: list[dict]) -> None:
    """Every candidate any page knows of, on every side, is an address on the relay: its own
    relay candidates, or a peer-reflexive remote one (ICE's name for a check that arrived
    before its candidate was signalled), which must then be one of the peers' relay
    allocations, never a host or server-reflexive address."""
    relayed = {
        candidate["at"]
        for each in connections
        for candidate in each["candidates"]
        if candidate["side"] == "local" and candidate["type"] == "relay"
    }
    for each in connections:
        for candidate in each["candidates"]:
            if candidate["type"] == "relay":
                continue
            assert candidate["side"] == "remote" and candidate["type"] == "prflx", each
            assert candidate["at"] in relayed, (candidate, relayed)


def _wait_for_media(page, count: int, *, video: bool = True) -> list[dict]:
    """Waits until the page has `count` connected peer connections that receive media."""
    for _attempt in range(60):
        connections = [each for each in _connections(page) if each["state"] == "connected"]
        receiving = [
            each
            for each in connections
            if each["packets"] > 0 and (each["frames"] > 0 or not video)
        ]
        if len(receiving) >= count:
            return connections
        page.wait_for_timeout(500)
    raise AssertionError(f"media did not flow: {_connections(page)}")


def test_a_circle_call_through_the_relay_with_the_hosts_controls(call_sessions, axe):
    host = make_member(pseudonym="HostBirch1", mfa=True)
    first = make_member(pseudonym="MemberAlder2")
    second = make_member(pseudonym="MemberRowan3")
    moderator = make_member(pseudonym="ModeratorYew4", mfa=True)
    group = make_group(name="Evening circle", members=[first, second], moderators=[host, moderator])
    room = get_or_create_group_room(group=group)
    host_page, first_page, second_page, moderator_page = (
        call_sessions(user) for user in (host, first, second, moderator)
    )

    # A member already in the room is offered the call the moment it starts.
    first_page.goto(f"/rooms/{group.slug}/")
    expect(first_page.locator("#chat-status")).to_have_text("Live")
    host_page.goto(f"/messages/{room.pk}/call/")
    _press(host_page, host_page.get_by_role("button", name="Start a video call"))
    expect(host_page.locator("#call-status")).to_have_text(
        "You are in the call. Your camera and microphone are off."
    )
    call = Call.objects.get(conversation=room)
    assert host_page.url.endswith(f"/calls/{call.public_id}/")

    # The members find the call in the room, knock, and the host lets them in.
    expect(first_page.locator("#chat-call-live")).to_be_visible()
    first_page.locator("#chat-call-live").click()
    for page, name in ((first_page, "MemberAlder2"), (second_page, "MemberRowan3")):
        if page is second_page:
            page.goto(f"/rooms/{group.slug}/")
            page.get_by_role("link", name="Join the video call").click()
        expect(page.locator(".call-recording-notice")).to_contain_text(
            "Others could still record their own screen"
        )
        _press(page, page.get_by_role("button", name="Join the call"))
        expect(page.locator("#call-status")).to_have_text("Waiting for the host to let you in.")
        waiting = host_page.locator("#call-waiting li", has_text=name)
        _press(host_page, waiting.get_by_role("button", name="Let in"))
        expect(page.locator("#call-status")).to_have_text(
            "You are in the call. Your camera and microphone are off."
        )
    for page in (host_page, first_page, second_page):
        expect(page.locator("#call-people .call-tile")).to_have_count(3)
        # Camera and microphone were off on joining; now each turns both on.
        expect(page.locator("#call-mic")).to_have_attribute("aria-pressed", "false")
        _press(page, page.locator("#call-mic"))
        _press(page, page.locator("#call-camera"))
        expect(page.locator("#call-camera")).to_have_attribute("aria-pressed", "true")

    # Everyone receives everyone's audio and video, more and more of it, through the relay.
    before, everyones = {}, []
    for name, page in (("host", host_page), ("first", first_page), ("second", second_page)):
        connections = _wait_for_media(page, 2)
        before[name] = sum(each["frames"] for each in connections)
        everyones.extend(connections)
        for each in connections:
            assert each["policy"] == "relay" and all(
                url.startswith("turn:127.0.0.1") for urls in each["servers"] for url in urls
            )
            assert each["local"] == "relay" and each["remote"] == "relay", each
            assert "typ host" not in each["remoteSdp"] and "typ srflx" not in each["remoteSdp"]
    _assert_only_relay_addresses(everyones)
    host_page.wait_for_timeout(1500)
    for name, page in (("host", host_page), ("first", first_page), ("second", second_page)):
        assert sum(each["frames"] for each in _connections(page)) > before[name]

    axe(host_page, "on the call screen, as its host, with two members in the call")
    axe(first_page, "on the call screen, as a member")

    # Turn away: a knock the host refuses, for good.
    moderator_page.goto(f"/calls/{call.public_id}/")
    _press(moderator_page, moderator_page.get_by_role("button", name="Join the call"))
    knocking = host_page.locator("#call-waiting li", has_text="ModeratorYew4")
    _press(host_page, knocking.get_by_role("button", name="Turn away"))
    expect(moderator_page.locator("#call-status")).to_have_text("The host did not let you in.")
    expect(host_page.locator("#call-waiting-empty")).to_be_visible()

    # Lock: nobody new may join.
    _press(host_page, host_page.locator("#call-lock"))
    expect(host_page.locator("#call-lock")).to_have_attribute("aria-pressed", "true")
    Call.objects.filter(pk=call.pk, locked=True).get()

    # Mute: the member is told, their microphone goes off and stays off until asked.
    first_tile = host_page.locator("#call-people .call-tile", has_text="MemberAlder2")
    _press(host_page, first_tile.get_by_role("button", name="Mute"))
    expect(first_page.locator("#call-status")).to_have_text("The host muted your microphone.")
    expect(first_page.locator("#call-mic")).to_have_attribute("aria-pressed", "false")
    expect(first_page.locator("#call-mic")).to_be_disabled()
    expect(first_tile).to_contain_text("Microphone off")
    _press(host_page, first_tile.get_by_role("button", name="Ask to unmute"))
    expect(first_page.locator("#call-status")).to_have_text(
        "The host asks you to unmute. Turn your microphone on if you wish."
    )
    expect(first_page.locator("#call-mic")).to_be_enabled()
    expect(first_page.locator("#call-mic")).to_have_attribute("aria-pressed", "false")

    # Stop video: the member's camera goes off and cannot come back until allowed.
    _press(host_page, first_tile.get_by_role("button", name="Stop video"))
    expect(first_page.locator("#call-status")).to_have_text("The host stopped your video.")
    expect(first_page.locator("#call-camera")).to_have_attribute("aria-pressed", "false")
    expect(first_page.locator("#call-camera")).to_be_disabled()
    _press(host_page, first_tile.get_by_role("button", name="Allow video"))
    expect(first_page.locator("#call-camera")).to_be_enabled()

    # Report from inside the call: the flag form opens in a new tab, the call goes on, and a
    # moderator of the group who is elsewhere on the site is alerted at once.
    moderator_page.goto("/")
    expect(moderator_page.locator("#notification-bell")).to_have_attribute("data-unread", "0")
    report_link = first_page.locator("#call-people .call-tile", has_text="MemberRowan3")
    with first_page.context.expect_page() as new_tab:
        _press(first_page, report_link.get_by_role("link", name="Report MemberRowan3"))
    report_page = new_tab.value
    report_page.get_by_label("Harassment").check()
    report_page.get_by_role("button", name="Send report").click()
    report_page.wait_for_url(lambda url: "/flag/" not in url)
    expect(moderator_page.locator("#notification-bell")).to_have_attribute("data-unread", "1")
    report_page.close()
    expect(first_page.locator("#call-people .call-tile")).to_have_count(3)

    # Remove: out for everyone at once, and no way back in.
    second_tile = host_page.locator("#call-people .call-tile", has_text="MemberRowan3")
    _press(host_page, second_tile.get_by_role("button", name="Remove"))
    _press(host_page, second_tile.get_by_role("alert").get_by_role("button", name="Remove"))
    expect(second_page.locator("#call-status")).to_have_text("The host removed you from this call.")
    for page in (host_page, first_page):
        expect(page.locator("#call-people .call-tile")).to_have_count(2)
        expect(page.locator("#call-people")).not_to_contain_text("MemberRowan3")
    assert [each["state"] for each in _connections(second_page)] == []
    for page in (host_page, first_page):
        assert len([each for each in _connections(page) if each["state"] != "closed"]) == 1
    second_page.reload()
    _press(second_page, second_page.get_by_role("button", name="Join the call"))
    expect(second_page.locator("#call-status")).to_have_text("You cannot join this call.")

    # End for all.
    _press(host_page, host_page.get_by_role("button", name="End the call for everyone"))
    _press(host_page, host_page.get_by_role("button", name="End for everyone"))
    expect(first_page.locator("#call-status")).to_have_text("The host ended the call for everyone.")
    expect(first_page.locator("#call-people .call-tile")).to_have_count(0)
    call.refresh_from_db()
    assert call.state == "ended"

    # A participant saves what happened to their journal, in one step.
    _press(first_page, first_page.get_by_role("button", name="Save this call to my journal"))
    first_page.wait_for_url(lambda url: "/calls/" not in url)
    entry = JournalEntry.objects.get(owner=first)
    text = entry.current_version.what_happened
    assert "Microphone muted by the host: MemberAlder2" in text
    assert "Removed from the call: MemberRowan3" in text
    assert "HostBirch1" in entry.current_version.people_involved


def _frames_from(page, peer_page) -> int:
    """Video frames `page` has decoded from `peer_page`'s connection (each page keeps one
    connection per peer; the peer's is the one whose remote description names its ICE
    username fragment)."""
    fragments = peer_page.evaluate(
        """() => window.__peerConnections
          .filter(({ connection }) => connection.connectionState !== "closed")
          .map(({ connection }) => connection.localDescription.sdp)
          .map((sdp) => sdp.match(/a=ice-ufrag:(\\S+)/)[1])"""
    )
    return sum(
        each["frames"]
        for each in _connections(page)
        if any(f"a=ice-ufrag:{fragment}" in each["remoteSdp"] for fragment in fragments)
    )


def test_screen_sharing_only_when_allowed_and_the_host_role_handed_on(call_sessions):
    host = make_member(pseudonym="HostWillow7", mfa=True)
    member = make_member(pseudonym="MemberAspen8")
    deputy = make_member(pseudonym="ModeratorLarch9", mfa=True)
    group = make_group(name="Morning circle", members=[member], moderators=[host, deputy])
    room = get_or_create_group_room(group=group)
    host_page, member_page, deputy_page = (call_sessions(user) for user in (host, member, deputy))
    host_page.goto(f"/messages/{room.pk}/call/")
    _press(host_page, host_page.get_by_role("button", name="Start a video call"))
    host_page.wait_for_url("**/calls/*/")
    call_url = host_page.url
    for page, name in ((member_page, "MemberAspen8"), (deputy_page, "ModeratorLarch9")):
        page.goto(call_url)
        _press(page, page.get_by_role("button", name="Join the call"))
        waiting = host_page.locator("#call-waiting li", has_text=name)
        _press(host_page, waiting.get_by_role("button", name="Let in"))
        expect(page.locator("#call-people .call-tile")).to_have_count(
            2 if page is member_page else 3
        )

    # With every camera off, each person shows as their own avatar, drawn by the page.
    member_tile = host_page.locator("#call-people .call-tile", has_text="MemberAspen8")
    squares = len(avatar_pattern(member.profile.avatar_seed)["cells"])
    expect(member_tile.locator(".call-avatar svg rect")).to_have_count(1 + squares)
    expect(member_tile.locator("video")).to_be_hidden()

    # Screen sharing is off for everyone until the host allows it for one person.
    expect(member_page.locator("#call-screen")).to_be_hidden()
    _press(host_page, member_tile.get_by_role("button", name="Allow screen sharing"))
    expect(member_page.locator("#call-status")).to_have_text(
        "The host allowed you to share your screen."
    )
    expect(deputy_page.locator("#call-screen")).to_be_hidden()
    _press(member_page, member_page.locator("#call-screen"))
    expect(member_page.locator("#call-screen")).to_have_attribute("aria-pressed", "true")
    # Everyone else receives the shared screen through the relay, frame after frame.
    for page in (host_page, deputy_page):
        expect(
            page.locator("#call-people .call-tile", has_text="MemberAspen8").locator("video")
        ).to_be_visible()
        for _attempt in range(40):
            if _frames_from(page, member_page) > 0:
                break
            page.wait_for_timeout(250)
        first = _frames_from(page, member_page)
        page.wait_for_timeout(1000)
        assert _frames_from(page, member_page) > first > 0
        for each in _connections(page):
            assert each["local"] == "relay" and each["remote"] == "relay", each
    # The host takes it back: the member's sharing stops and the button goes.
    _press(host_page, member_tile.get_by_role("button", name="Stop screen sharing"))
    expect(member_page.locator("#call-status")).to_have_text(
        "The host stopped your screen sharing."
    )
    expect(member_page.locator("#call-screen")).to_be_hidden()
    expect(member_tile.locator("video")).to_be_hidden()
    expect(member_tile.locator(".call-avatar")).to_be_visible()

    # The host role goes to another moderator of the group, who is told; the call outlives
    # the first host's leaving.
    # Only to someone who could host: the member is offered no such button.
    expect(member_tile.get_by_role("button", name="Make host")).to_have_count(0)
    deputy_tile = host_page.locator("#call-people .call-tile", has_text="ModeratorLarch9")
    _press(host_page, deputy_tile.get_by_role("button", name="Make host"))
    expect(deputy_page.locator("#call-status")).to_have_text("You are now the host of this call.")
    expect(deputy_page.locator("#call-host")).to_be_visible()
    expect(host_page.locator("#call-host")).to_be_hidden()
    expect(host_page.locator(".call-person-actions button")).to_have_count(0)
    _press(host_page, host_page.get_by_role("button", name="Leave the call"))
    for page in (member_page, deputy_page):
        expect(page.locator("#call-people .call-tile")).to_have_count(2)
    expect(member_page.locator("#call-status")).not_to_contain_text("ended")
    new_host_view = deputy_page.locator("#call-people .call-tile", has_text="MemberAspen8")
    expect(new_host_view.get_by_role("button", name="Mute")).to_be_visible()
    _press(deputy_page, deputy_page.get_by_role("button", name="End the call for everyone"))
    _press(deputy_page, deputy_page.get_by_role("button", name="End for everyone"))
    expect(member_page.locator("#call-status")).to_have_text(
        "The host ended the call for everyone."
    )


def test_a_private_voice_call_from_a_support_thread(call_sessions, axe):
    member = make_member(pseudonym="MemberHazel5")
    advocate = make_member(pseudonym="AdvocateElm6", mfa=True)
    thread = make_support_thread(member=member, advocate=advocate, alias="Robin")
    member_page, advocate_page = call_sessions(member), call_sessions(advocate)

    member_page.goto(f"/messages/{thread.pk}/")
    member_page.get_by_role("link", name="Start a call").click()
    _press(member_page, member_page.get_by_role("button", name="Start a voice call"))
    expect(member_page.locator("#call-status")).to_have_text(
        "You are in the call. Your camera and microphone are off."
    )
    advocate_page.goto(f"/messages/{thread.pk}/")
    advocate_page.get_by_role("link", name="Join the voice call").click()
    _press(advocate_page, advocate_page.get_by_role("button", name="Join the call"))
    # No waiting room: only the two of them can reach it.
    expect(advocate_page.locator("#call-status")).to_have_text(
        "You are in the call. Your camera and microphone are off."
    )
    # The member appears by the request's alias only.
    expect(advocate_page.locator("#call-people")).to_contain_text("Robin")
    expect(advocate_page.locator("#call-people")).not_to_contain_text("MemberHazel5")
    # No avatar for the alias (it would tie the alias to a profile); the advocate has theirs.
    robin = advocate_page.locator("#call-people .call-tile", has_text="Robin")
    expect(robin.locator(".call-avatar")).to_have_text("R")
    expect(robin.locator(".call-avatar svg")).to_have_count(0)
    advocate_tile = member_page.locator("#call-people .call-tile", has_text="AdvocateElm6")
    squares = len(avatar_pattern(advocate.profile.avatar_seed)["cells"])
    expect(advocate_tile.locator(".call-avatar svg rect")).to_have_count(1 + squares)
    expect(advocate_page.locator("#call-camera")).to_be_hidden()
    for page in (member_page, advocate_page):
        _press(page, page.locator("#call-mic"))
    everyones = []
    for page in (member_page, advocate_page):
        for each in _wait_for_media(page, 1, video=False):
            assert each["local"] == "relay" and each["remote"] == "relay", each
            everyones.append(each)
    _assert_only_relay_addresses(everyones)
    axe(advocate_page, "on a private voice call")
    _press(member_page, member_page.get_by_role("button", name="Leave the call"))
    expect(advocate_page.locator("#call-status")).to_have_text("The host left, so the call ended.")


# A peer written from docs/protocol.md alone, in the page, that records which frames reached
# it. To the host's first offer it either answers and, in the same moment, offers again (as a
# browser does that turned a device on while the answer was being made), both sent when the
# test says (`__sendBoth`); or, with `dropFirst`, it never answers, as if that offer were lost.
SCRIPTED_PEER = """
async ({ callId, dropFirst }) => {
  const socket = new WebSocket(`ws://${location.host}/ws/chat/`);
  const send = (frame) => socket.send(JSON.stringify({ call_id: callId, ...frame }));
  let connection = null;
  window.__received = [];
  socket.onmessage = async ({ data }) => {
    const frame = JSON.parse(data);
    window.__received.push(frame.type);
    if (frame.type === "call.state" && frame.ice_servers && !connection) {
      connection = new RTCPeerConnection({
        iceServers: frame.ice_servers, iceTransportPolicy: "relay",
      });
    }
    if (frame.type === "call.offer") {
      const first = window.__received.filter((type) => type === "call.offer").length === 1;
      if (dropFirst && first) return;
      await connection.setRemoteDescription({ type: "offer", sdp: frame.sdp });
      await connection.setLocalDescription();
      const answer = connection.localDescription.sdp;
      if (dropFirst) {
        send({ type: "call.answer", to: frame.from, sdp: answer });
        window.__answered = connection.signalingState;
        return;
      }
      await connection.setLocalDescription();
      const offer = connection.localDescription.sdp;
      window.__sendBoth = () => {
        send({ type: "call.answer", to: frame.from, sdp: answer });
        send({ type: "call.offer", to: frame.from, sdp: offer });
      };
    }
    if (frame.type === "call.answer") {
      await connection.setRemoteDescription({ type: "answer", sdp: frame.sdp });
      window.__answered = connection.signalingState;
    }
  };
  await new Promise((resolve) => socket.addEventListener("open", resolve));
  send({ type: "call.join" });
}
"""


def _voice_call_hosted_first(call_sessions):
    """A host's page in a voice call, and a member who was in it before (so straight back in)
    under a peer id that sorts after every other: the host's page makes the first offer to
    them and is the impolite side. Returns the two pages, the call and the member."""
    host = make_member(pseudonym="HostCedar10", mfa=True)
    member = make_member(pseudonym="MemberLinden11")
    group = make_group(name="Morning circle", members=[member], moderators=[host])
    room = get_or_create_group_room(group=group)
    host_page, member_page = call_sessions(host), call_sessions(member)
    host_page.goto(f"/messages/{room.pk}/call/")
    _press(host_page, host_page.get_by_role("button", name="Start a voice call"))
    expect(host_page.locator("#call-status")).to_have_text(
        "You are in the call. Your camera and microphone are off."
    )
    call = Call.objects.get(conversation=room)
    CallParticipant.objects.create(
        call=call,
        user=member,
        peer_id="z" * 24,
        display_name="MemberLinden11",
        state=CallParticipant.State.LEFT,
        was_admitted=True,
    )
    return host_page, member_page, call, member


def test_an_offer_right_behind_an_answer_is_answered(call_sessions):
    """The host's page gets the member's answer and next offer back to back: the offer is no
    collision (the answer was still being applied) and must be answered, or what the member
    turned on never reaches the host."""
    host_page, member_page, call, _member = _voice_call_hosted_first(call_sessions)
    member_page.goto("/")
    member_page.evaluate(SCRIPTED_PEER, {"callId": call.public_id, "dropFirst": False})
    member_page.wait_for_function("() => Boolean(window.__sendBoth)")
    # The host's page is busy for a moment (a slow machine), so both frames wait in its queue
    # and are handled one right after the other.
    host_page.evaluate(
        "() => setTimeout(() => { const until = performance.now() + 1500;"
        " while (performance.now() < until); })"
    )
    member_page.evaluate("() => window.__sendBoth()")
    member_page.wait_for_function("() => window.__answered === 'stable'", timeout=10_000)
    assert member_page.evaluate("window.__received").count("call.offer") == 1


def test_an_offer_nobody_answers_is_made_again(call_sessions):
    """An offer lost on the way (here: never answered) does not hold the connection for good:
    after 5 seconds the host's page takes it back and offers again."""
    host_page, member_page, call, _member = _voice_call_hosted_first(call_sessions)
    member_page.goto("/")
    member_page.evaluate(SCRIPTED_PEER, {"callId": call.public_id, "dropFirst": True})
    member_page.wait_for_function("() => window.__answered === 'stable'", timeout=15_000)
    assert member_page.evaluate("window.__received").count("call.offer") == 2
    host_page.wait_for_function(
        "() => window.__peerConnections.every(({ connection }) =>"
        " connection.signalingState === 'stable')"
    )


def test_a_refused_offer_turns_the_device_off_and_is_taken_back(call_sessions):
    """The host muted the member, and the member turns the microphone on before that reached
    their page (here: the mute is in the database, its frame never sent): the server refuses
    the offer, the page turns the microphone off and takes the offer back, so the connection
    is stable again and the next offer can go."""
    host_page, member_page, call, member = _voice_call_hosted_first(call_sessions)
    member_page.goto(f"/calls/{call.public_id}/")
    _press(member_page, member_page.get_by_role("button", name="Join the call"))
    expect(member_page.locator("#call-status")).to_have_text(
        "You are in the call. Your camera and microphone are off."
    )
    member_page.wait_for_function(
        "() => window.__peerConnections.length === 1 &&"
        " window.__peerConnections[0].connection.connectionState === 'connected'"
    )
    CallParticipant.objects.filter(call=call, user=member).update(may_use_mic=False)
    states_before = member_page.evaluate("window.__peerConnections[0].states.length")
    _press(member_page, member_page.locator("#call-mic"))
    # The offer went out (have-local-offer) and was taken back (stable).
    member_page.wait_for_function(
        "(before) => { const { states, connection } = window.__peerConnections[0];"
        " return states.slice(before).includes('have-local-offer')"
        " && connection.signalingState === 'stable'; }",
        arg=states_before,
        timeout=10_000,
    )
    expect(member_page.locator("#call-mic")).to_have_attribute("aria-pressed", "false")
    # No description sending sound was relayed, so no sound flows: a packet may slip out in
    # the moment before the refusal comes back, but none follow (50 a second if it flowed).
    assert [
        each["remoteSdp"].count("a=sendrecv") + each["remoteSdp"].count("a=sendonly")
        for each in _connections(host_page)
    ] == [0]
    host_page.wait_for_timeout(1000)
    settled = [each["packets"] for each in _connections(host_page)]
    host_page.wait_for_timeout(1000)
    assert [each["packets"] for each in _connections(host_page)] == settled
