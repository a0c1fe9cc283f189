"""Checking what one participant's browser asks the server to relay to another: offers,
answers and ICE candidates (docs/protocol.md, "Calls"). Pure functions, no database.

The rule (DESIGN.md invariant 11): no participant ever receives another's network address.
Browsers are told to gather relay candidates only (`iceTransportPolicy: "relay"`), and the
server does not trust them to: a trickled candidate that is not a relay candidate is refused
(`forbidden_candidate`); in a session description every candidate line that is not a relay
is dropped; every relay candidate is rebuilt from its parts with its related address
(`raddr`/`rport`, which for a relay is the member's own public address) replaced by
0.0.0.0 0; and connection lines carry 0.0.0.0."""

import re

from messaging.errors import denied

MAX_SDP_CHARS = 12_000
MAX_CANDIDATE_CHARS = 600
MAX_MID_CHARS = 32

_TOKEN = re.compile(r"^[A-Za-z0-9+/_.:\-]{1,64}$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")
_IPV6 = re.compile(r"^[0-9A-Fa-f:.]{2,45}$")
_HOSTNAME = re.compile(r"^[A-Za-z0-9\-.]{1,253}$")
# Extension attributes a relay candidate may keep; anything else is dropped.
_KEPT_EXTENSIONS = {"generation", "ufrag", "network-id", "network-cost", "tcptype"}
_CONNECTION_LINE = re.compile(r"^c=IN (IP4|IP6) \S+$")
_RTCP_LINE = re.compile(r"^a=rtcp:(\d+)( IN (IP4|IP6) \S+)?$")
# What stands in for an address in a session description (RFC 8839: "no address known").
NO_ADDRESS_V4 = "0.0.0.0"  # noqa: S104 - written into SDP, never bound to
NO_ADDRESS_V6 = "::"
_DIRECTION = {"a=sendrecv", "a=sendonly", "a=recvonly", "a=inactive"}


class ForbiddenCandidate(Exception):
    pass


def clean_candidate_line(line: str) -> str:
    """A relay candidate ("candidate:…", RFC 8839 §5.1) rebuilt from its parsed parts, or
    ForbiddenCandidate (host, srflx, prflx) or `invalid` (not a candidate)."""
    if not isinstance(line, str) or len(line) > MAX_CANDIDATE_CHARS:
        raise denied("invalid")
    text = line.strip()
    if text.startswith("a="):
        text = text[2:]
    if not text.startswith("candidate:"):
        raise denied("invalid")
    parts = text[len("candidate:") :].split()
    if len(parts) < 8 or parts[6] != "typ":
        raise denied("invalid")
    foundation, component, transport, priority, address, port, _typ, kind = parts[:8]
    if not (
        _TOKEN.match(foundation)
        and component.isdigit()
        and transport.lower() in {"udp", "tcp"}
        and priority.isdigit()
        and port.isdigit()
        and (_IPV4.match(address) or _IPV6.match(address) or _HOSTNAME.match(address))
    ):
        raise denied("invalid")
    if kind != "relay":
        raise ForbiddenCandidate
    rest = parts[8:]
    extensions = []
    for index in range(0, len(rest) - 1, 2):
        name, value = rest[index], rest[index + 1]
        if name in _KEPT_EXTENSIONS and _TOKEN.match(value):
            extensions.append(f"{name} {value}")
    rebuilt = (
        f"candidate:{foundation} {component} {transport} {priority} {address} {port} "
        "typ relay raddr 0.0.0.0 rport 0"
    )
    return " ".join([rebuilt, *extensions])


def clean_candidate(value) -> dict:
    """A trickled candidate ({candidate, sdpMid, sdpMLineIndex}), cleaned. An empty
    `candidate` string is the end of candidates and passes as it is."""
    if not isinstance(value, dict):
        raise denied("invalid")
    mid = value.get("sdpMid")
    index = value.get("sdpMLineIndex")
    if mid is not None and (not isinstance(mid, str) or len(mid) > MAX_MID_CHARS):
        raise denied("invalid")
    if index is not None and (type(index) is not int or not 0 <= index < 64):
        raise denied("invalid")
    line = value.get("candidate")
    if line == "":
        cleaned = ""
    else:
        cleaned = clean_candidate_line(line)
    return {"candidate": cleaned, "sdpMid": mid, "sdpMLineIndex": index}


def clean_sdp(sdp) -> tuple[str, set[str]]:
    """A session description with only relay candidates, rebuilt, and no address in its
    connection lines; and the kinds of media it would send ("audio", "video"), for the host's
    controls. `invalid` for anything that is not an SDP."""
    if not isinstance(sdp, str) or not sdp or len(sdp) > MAX_SDP_CHARS:
        raise denied("invalid")
    lines = sdp.replace("\r\n", "\n").split("\n")
    if not lines or not lines[0].startswith("v=0"):
        raise denied("invalid")
    kept = []
    sending: set[str] = set()
    media = None
    session_direction = "a=sendrecv"
    media_direction = None
    port = "0"

    def close_section():
        direction = media_direction or session_direction
        if (
            media in ("audio", "video")
            and port != "0"
            and direction in ("a=sendrecv", "a=sendonly")
        ):
            sending.add(media)

    for line in lines:
        if line == "":
            continue
        if len(line) < 2 or line[1] != "=" or any(ord(char) < 32 for char in line):
            raise denied("invalid")
        if line.startswith("m="):
            close_section()
            fields = line[2:].split()
            if len(fields) < 3:
                raise denied("invalid")
            media, port, media_direction = fields[0], fields[1], None
        elif line in _DIRECTION:
            if media is None:
                session_direction = line
            else:
                media_direction = line
        elif line.startswith("a=candidate:"):
            try:
                line = "a=" + clean_candidate_line(line)
            except ForbiddenCandidate:
                continue  # never relayed: another participant must not see it
        elif line.startswith("c="):
            match = _CONNECTION_LINE.match(line)
            if not match:
                raise denied("invalid")
            family = match.group(1)
            line = f"c=IN {family} {NO_ADDRESS_V4 if family == 'IP4' else NO_ADDRESS_V6}"
        elif line.startswith("a=rtcp:"):
            match = _RTCP_LINE.match(line)
            if not match:
                raise denied("invalid")
            line = f"a=rtcp:{match.group(1)} IN IP4 0.0.0.0"
        elif line.startswith("o="):
            fields = line[2:].split()
            if len(fields) != 6:
                raise denied("invalid")
            # The origin line's address is never used by WebRTC; some stacks put a local one.
            placeholder = NO_ADDRESS_V4 if fields[4] == "IP4" else NO_ADDRESS_V6
            line = "o=" + " ".join([*fields[:5], placeholder])
        kept.append(line)
    close_section()
    return "\r\n".join(kept) + "\r\n", sending
