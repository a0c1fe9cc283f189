// The call screen (docs/protocol.md, "Calls"): WebRTC in a full mesh, signalled over the page's
// one socket. Media goes only through Kindred's TURN relay (iceTransportPolicy "relay", no STUN),
// and the server drops any other candidate. Camera and microphone stay off until turned on.
import { realtime } from "./realtime.js";

const root = document.getElementById("call");
const texts = JSON.parse(document.getElementById("call-texts").textContent);
const $ = (id) => document.getElementById(id);
const say = (key, name) => (texts[key] || key).replace("%(name)s", name || "");

let callId = root.dataset.callId || null;
let media = root.dataset.media || "voice";
let wanted = false; // the member asked to be in the call (joined or started)
let starting = null; // the media of a call.start on its way
let state = null;
let me = null;
let iceServers = [];
// peer id -> {pc, polite, makingOffer, ignoreOffer, queue, offers, stream}
const peers = new Map();
const OFFER_TIMEOUT_MS = 5000;
const local = { mic: null, camera: null, screen: null };
let names = new Map();
let everAdmitted = false;

function status(text) {
  $("call-status").textContent = text;
}

function announce(text) {
  $("call-announcer").textContent = text;
}

function send(type, fields) {
  realtime.send({ type, call_id: callId, ...fields });
}

// Peer connections ---------------------------------------------------------------------------

function connect(peerId, offerer) {
  const pc = new RTCPeerConnection({ iceServers, iceTransportPolicy: "relay" });
  const entry = {
    pc,
    polite: me.peer_id > peerId,
    makingOffer: false,
    ignoreOffer: false,
    queue: Promise.resolve(), // what the peer signalled, applied in turn
    offers: 0, // how many this side has made
  };
  entry.stream = new MediaStream();
  peers.set(peerId, entry);
  pc.ontrack = ({ track }) => {
    entry.stream.addTrack(track);
    // A remote track is muted while its sender sends nothing (camera off, sharing stopped):
    // the tile shows the avatar then, not a frozen picture.
    track.addEventListener("mute", render);
    track.addEventListener("unmute", render);
    render();
  };
  pc.onicecandidate = ({ candidate }) => {
    if (!candidate || !candidate.candidate) return;
    send("call.candidate", {
      to: peerId,
      candidate: {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
      },
    });
  };
  pc.onnegotiationneeded = async () => {
    try {
      entry.makingOffer = true;
      await pc.setLocalDescription();
      // The ref is the peer, so a refusal (which echoes it) names the offer it refused.
      send("call.offer", { to: peerId, sdp: pc.localDescription.sdp, ref: peerId });
      // An offer nobody answers (refused, or lost with a dropped socket) would hold this
      // connection in have-local-offer for good: taken back, so negotiation runs again.
      const offer = ++entry.offers;
      setTimeout(() => withdrawOffer(entry, offer), OFFER_TIMEOUT_MS);
    } catch (error) {
      console.warn("offer failed", error);
    } finally {
      entry.makingOffer = false;
    }
  };
  if (offerer) {
    pc.addTransceiver("audio", { direction: "recvonly" });
    if (media === "video") pc.addTransceiver("video", { direction: "recvonly" });
    applyLocal(entry);
  }
  return entry;
}

function disconnect(peerId) {
  const entry = peers.get(peerId);
  if (!entry) return;
  entry.pc.close();
  peers.delete(peerId);
}

// What a peer signals is applied one frame after another, in the order it came: an offer that
// arrives while the answer before it is still being applied is no collision, and a candidate
// waits for the description it belongs to.
function inTurn(entry, job) {
  entry.queue = entry.queue.then(() => {
    if (entry.pc.signalingState !== "closed") return job();
  });
  entry.queue = entry.queue.catch((error) => console.warn("signalling failed", error));
}

// Takes back this side's offer number `offer`, if it is still the one waiting for an answer.
function withdrawOffer(entry, offer) {
  inTurn(entry, async () => {
    if (entry.pc.signalingState === "have-local-offer" && entry.offers === offer) {
      await entry.pc.setLocalDescription({ type: "rollback" });
    }
  });
}

function transceiver(entry, kind) {
  return entry.pc.getTransceivers().find((each) => each.receiver.track.kind === kind && !each.stopped);
}

function setTrack(item, track) {
  if (!item) return;
  item.sender.replaceTrack(track);
  const direction = track ? "sendrecv" : "recvonly";
  if (item.direction !== direction) item.direction = direction;
}

function applyLocal(entry) {
  setTrack(transceiver(entry, "audio"), me.may_use_mic ? local.mic : null);
  const video = local.screen || (me.may_use_video ? local.camera : null);
  setTrack(transceiver(entry, "video"), video);
}

function applyLocalEverywhere() {
  for (const entry of peers.values()) applyLocal(entry);
  render();
}

function onDescription(frame) {
  let entry = peers.get(frame.from);
  if (!entry) {
    if (!me || me.state !== "admitted" || frame.type !== "call.offer") return;
    entry = connect(frame.from, false);
  }
  inTurn(entry, () => applyDescription(entry, frame));
}

async function applyDescription(entry, frame) {
  const { pc } = entry;
  const description = { type: frame.type === "call.offer" ? "offer" : "answer", sdp: frame.sdp };
  // The answer to an offer since taken back answers nothing.
  if (description.type === "answer" && pc.signalingState !== "have-local-offer") return;
  const collision = description.type === "offer" && (entry.makingOffer || pc.signalingState !== "stable");
  entry.ignoreOffer = !entry.polite && collision;
  if (entry.ignoreOffer) return;
  await pc.setRemoteDescription(description);
  if (description.type === "offer") {
    applyLocal(entry);
    await pc.setLocalDescription();
    send("call.answer", { to: frame.from, sdp: pc.localDescription.sdp });
  }
}

realtime.on("call.offer", onDescription);
realtime.on("call.answer", onDescription);
realtime.on("call.candidate", (frame) => {
  const entry = peers.get(frame.from);
  if (!entry) return;
  inTurn(entry, async () => {
    try {
      await entry.pc.addIceCandidate(frame.candidate);
    } catch (error) {
      if (!entry.ignoreOffer) throw error;
    }
  });
});

// A description the server refused because the host has turned this device off: the device
// goes off here too, and a refused offer is taken back, so the next one sends nothing of it.
const REFUSED_DEVICES = { mic_off_by_host: ["mic"], video_stopped: ["camera", "screen"] };

function onRefused(frame) {
  turnOff(REFUSED_DEVICES[frame.code]);
  const entry = peers.get(frame.ref);
  if (entry) withdrawOffer(entry, entry.offers);
}

// Local media --------------------------------------------------------------------------------

function stopLocal(kind) {
  if (local[kind]) local[kind].stop();
  local[kind] = null;
}

async function toggle(kind) {
  if (local[kind]) {
    turnOff([kind]);
    return;
  }
  try {
    let stream;
    if (kind === "screen") {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: true });
    } else {
      stream = await navigator.mediaDevices.getUserMedia(kind === "mic" ? { audio: true } : { video: true });
    }
    local[kind] = stream.getTracks()[0];
    local[kind].addEventListener("ended", () => {
      local[kind] = null;
      applyLocalEverywhere();
    });
    if (kind === "screen") stopLocal("camera");
    if (kind === "camera") stopLocal("screen");
  } catch {
    status(texts.no_device);
  }
  applyLocalEverywhere();
}

function turnOff(kinds) {
  const on = kinds.filter((kind) => local[kind]);
  for (const kind of on) stopLocal(kind);
  if (on.length) applyLocalEverywhere();
}

function obeyPermissions() {
  const allowed = { mic: me.may_use_mic, camera: me.may_use_video, screen: me.may_share_screen };
  turnOff(Object.keys(allowed).filter((kind) => !allowed[kind]));
}

// What the page shows ------------------------------------------------------------------------

function button(label, className, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = label;
  element.addEventListener("click", onClick);
  return element;
}

// The person's avatar, drawn from the cells the server sends (never markup); their initial
// where the conversation shows no profile (a support thread's alias, "Moderator").
const SVG = "http://www.w3.org/2000/svg";

function drawAvatar(holder, avatar, name) {
  const key = JSON.stringify(avatar) + name;
  if (holder.dataset.key === key) return;
  holder.dataset.key = key;
  if (!avatar) {
    holder.replaceChildren(name.slice(0, 1).toUpperCase());
    return;
  }
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "-0.5 -0.5 6 6");
  svg.setAttribute("focusable", "false");
  const square = (x, y, size, fill) => {
    const rect = document.createElementNS(SVG, "rect");
    for (const [attribute, value] of Object.entries({ x, y, width: size, height: size, fill })) {
      rect.setAttribute(attribute, value);
    }
    return rect;
  };
  svg.append(
    square(-0.5, -0.5, 6, avatar.background),
    ...avatar.cells.map(([x, y]) => square(x, y, 1, avatar.colour)),
  );
  holder.replaceChildren(svg);
}

function hostActions(person, holder) {
  const act = (type, fields = {}) => () => send(type, { peer_id: person.peer_id, ...fields });
  const small = "secondary small";
  holder.append(
    person.may_use_mic
      ? button(texts.mute, small, act("call.mute"))
      : button(texts.ask_unmute, small, act("call.ask_unmute")),
  );
  if (media === "video") {
    holder.append(
      person.may_use_video
        ? button(texts.stop_video, small, act("call.stop_video"))
        : button(texts.allow_video, small, act("call.allow_video")),
      button(
        person.may_share_screen ? texts.stop_screen : texts.allow_screen,
        small,
        act("call.allow_screen", { allowed: !person.may_share_screen }),
      ),
    );
  }
  if (person.may_host) holder.append(button(texts.make_host, small, act("call.hand_host")));
  const confirm = document.createElement("p");
  confirm.hidden = true;
  confirm.setAttribute("role", "alert");
  const remove = button(texts.remove, "secondary danger small", () => {
    confirm.hidden = false;
    confirm.querySelector("button").focus();
  });
  confirm.append(
    say("remove_confirm", person.name),
    " ",
    button(texts.remove, "danger small", act("call.remove")),
    " ",
    button(texts.cancel, "secondary small", () => {
      confirm.hidden = true;
      remove.focus();
    }),
  );
  holder.append(remove, confirm);
}

function render() {
  const list = $("call-people");
  const admitted = me && me.state === "admitted";
  $("call-controls").hidden = !admitted;
  $("call-host").hidden = !(admitted && me.host);
  if (!admitted) {
    list.replaceChildren();
    return;
  }
  for (const [kind, id] of [["mic", "call-mic"], ["camera", "call-camera"], ["screen", "call-screen"]]) {
    $(id).setAttribute("aria-pressed", String(Boolean(local[kind])));
  }
  $("call-mic").disabled = !me.may_use_mic;
  $("call-camera").hidden = media !== "video";
  $("call-camera").disabled = !me.may_use_video;
  $("call-screen").hidden = media !== "video" || !me.may_share_screen;
  $("call-lock").setAttribute("aria-pressed", String(state.locked));
  const tiles = state.participants.map((person) => {
    const mine = person.peer_id === me.peer_id;
    let tile = list.querySelector(`[data-peer="${person.peer_id}"]`);
    if (!tile) {
      tile = $("call-person").content.firstElementChild.cloneNode(true);
      tile.dataset.peer = person.peer_id;
    }
    const video = tile.querySelector("video");
    const tracks = mine ? [local.screen || local.camera].filter(Boolean) : null;
    const stream = mine ? new MediaStream(tracks) : peers.get(person.peer_id)?.stream;
    if (stream && (mine || video.srcObject !== stream)) video.srcObject = stream;
    video.muted = mine;
    const showsVideo =
      media === "video" && stream && stream.getVideoTracks().some((track) => !track.muted);
    video.hidden = !showsVideo;
    const avatar = tile.querySelector(".call-avatar");
    drawAvatar(avatar, person.avatar, person.name);
    avatar.hidden = Boolean(showsVideo);
    tile.querySelector(".call-name").textContent = mine ? say("you", person.name) : person.name;
    const flags = [person.host ? texts.host : "", person.may_use_mic ? "" : texts.mic_off];
    tile.querySelector(".call-flags").textContent = flags.filter(Boolean).join(" · ");
    if (!mine && !tile.querySelector(".call-report")) {
      // In a new tab, so the call goes on; the reported person never learns who reported.
      const report = document.createElement("a");
      report.className = "button secondary small call-report";
      report.href = root.dataset.reportUrl.replace(/0\/$/, `${person.report_id}/`);
      report.target = "_blank";
      report.rel = "noopener";
      report.textContent = say("report", person.name);
      tile.querySelector(".call-flags").after(report);
    }
    // The host's buttons are rebuilt only when what they offer changes, so focus stays put.
    const key = me.host && !mine ? JSON.stringify([person, media]) : "";
    if (tile.dataset.key !== key) {
      tile.dataset.key = key;
      const holder = tile.querySelector(".call-person-actions");
      holder.replaceChildren();
      if (key) hostActions(person, holder);
    }
    return tile;
  });
  // Tiles are kept, never moved: taking a playing video out of the page would pause it.
  for (const tile of [...list.children]) if (!tiles.includes(tile)) tile.remove();
  for (const tile of tiles) if (!tile.isConnected) list.append(tile);
  const waiting = $("call-waiting");
  waiting.replaceChildren(
    ...state.waiting.map((person) => {
      const item = document.createElement("li");
      item.append(
        person.name,
        " ",
        button(texts.admit, "small", () => send("call.admit", { peer_id: person.peer_id })),
        " ",
        button(texts.turn_away, "secondary small", () => send("call.turn_away", { peer_id: person.peer_id })),
      );
      return item;
    }),
  );
  $("call-waiting-empty").hidden = state.waiting.length > 0;
}

// Frames about the call ----------------------------------------------------------------------

realtime.on("call.state", (frame) => {
  if (!wanted || (callId && frame.call_id !== callId)) return;
  const before = me ? me.state : null;
  const wasHost = Boolean(me && me.host);
  callId = frame.call_id;
  media = frame.media;
  starting = null;
  state = frame;
  me = frame.you;
  if (frame.ice_servers) {
    // Fresh credentials (they expire): for new connections and any ICE restart of the others.
    iceServers = frame.ice_servers;
    for (const entry of peers.values()) {
      entry.pc.setConfiguration({ iceServers, iceTransportPolicy: "relay" });
    }
  }
  const url = root.dataset.callUrl.replace("CALL_ID", callId);
  if (window.location.pathname !== url) window.history.replaceState(null, "", url);
  $("call-start")?.setAttribute("hidden", "");
  $("call-join-group")?.setAttribute("hidden", "");
  if (me.state === "waiting") status(texts.waiting);
  if (me.state === "admitted" && before !== "admitted") status(texts.joined);
  if (me.state === "admitted") everAdmitted = true;
  if (me.state === "admitted" && before === "admitted" && me.host && !wasHost) status(texts.now_host);
  const present = new Map(frame.participants.map((person) => [person.peer_id, person.name]));
  if (me.state === "admitted") {
    for (const [peerId, name] of present) if (!names.has(peerId) && before === "admitted") announce(say("arrived", name));
    for (const [peerId, name] of names) if (!present.has(peerId)) announce(say("departed", name));
    for (const peerId of [...peers.keys()]) if (!present.has(peerId)) disconnect(peerId);
    for (const peerId of present.keys()) {
      if (peerId !== me.peer_id && !peers.has(peerId) && me.peer_id < peerId) connect(peerId, true);
    }
    obeyPermissions();
  }
  names = present;
  render();
});

realtime.on("call.notice", (frame) => {
  if (frame.call_id === callId) status(texts[frame.kind] || "");
});

function offerRecord() {
  const form = $("call-record");
  form.action = form.dataset.action.replace("CALL_ID", callId);
  form.hidden = false;
}

function over(reason) {
  for (const peerId of [...peers.keys()]) disconnect(peerId);
  for (const kind of Object.keys(local)) stopLocal(kind);
  wanted = false;
  me = null;
  render();
  status(texts[reason] || texts.ended);
  if (reason !== "turned_away" && reason !== "not_found" && everAdmitted) offerRecord();
}

realtime.on("call.ended", (frame) => {
  if (frame.call_id === callId) over(frame.reason);
});
realtime.on("call.left", (frame) => {
  if (frame.call_id === callId) over("ended");
});
realtime.on("error", (frame) => {
  if (frame.code in REFUSED_DEVICES && me) onRefused(frame);
  if (wanted && frame.message && (frame.code.startsWith("call") || !me || frame.code === "not_host")) {
    status(frame.message);
  }
  if (starting && frame.code !== "rate_limited") wanted = false;
});
realtime.on("open", () => {
  // After a dropped connection the server has taken this socket out of the call: back in
  // (and a start or join asked for before the socket opened is sent now).
  if (wanted && callId) realtime.send({ type: "call.join", call_id: callId });
  else if (wanted && starting) startCall();
});

function startCall() {
  realtime.send({
    type: "call.start",
    conversation_id: Number(root.dataset.conversationId),
    media: starting,
  });
}

// Buttons ------------------------------------------------------------------------------------

for (const start of document.querySelectorAll("#call-start button")) {
  start.addEventListener("click", () => {
    wanted = true;
    starting = start.dataset.media;
    status(texts.connecting);
    startCall();
  });
}
$("call-join")?.addEventListener("click", () => {
  wanted = true;
  status(texts.connecting);
  send("call.join", {});
});
$("call-mic").addEventListener("click", () => toggle("mic"));
$("call-camera").addEventListener("click", () => toggle("camera"));
$("call-screen").addEventListener("click", () => toggle("screen"));
$("call-leave").addEventListener("click", () => send("call.leave", {}));
$("call-lock").addEventListener("click", () => send("call.lock", { locked: !state.locked }));
$("call-end").addEventListener("click", () => {
  $("call-end-confirm").hidden = false;
  $("call-end-yes").focus();
});
$("call-end-no").addEventListener("click", () => {
  $("call-end-confirm").hidden = true;
  $("call-end").focus();
});
$("call-end-yes").addEventListener("click", () => send("call.end", {}));

realtime.start();
root.dataset.ready = "true";
