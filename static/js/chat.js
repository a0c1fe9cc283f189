// A live conversation page (group room, direct messages, support thread). The page renders the
// latest messages on the server; this module joins the conversation over the shared socket,
// resumes from the stream position it holds (docs/protocol.md, "Sequence"), sends with a
// client id (a resend is stored once) and keeps the states "connecting", "offline" and
// "message failed — retry" visible.
import { realtime } from "./realtime.js";

const ACK_TIMEOUT_MS = 10000;
const root = document.getElementById("chat");

if (root) {
  const strings = document.getElementById("chat-strings").dataset;
  const conversationId = Number(root.dataset.conversationId);
  const me = root.dataset.me;
  const list = document.getElementById("chat-messages");
  const status = document.getElementById("chat-status");
  const form = document.getElementById("chat-form");
  const textarea = document.getElementById("chat-body");
  const warningField = document.getElementById("chat-content-warning");
  const errorLine = document.getElementById("chat-error");
  const announcer = document.getElementById("chat-announcer");
  const olderButton = document.getElementById("chat-older");
  const presenceList = document.getElementById("presence-list");
  const heldPanel = document.getElementById("chat-held");
  const noticePanel = document.getElementById("chat-notice");
  const pending = new Map(); // client id -> {body, item, timer, confirm}
  let heldEdit = null; // an edit the "before you send" check held back: {messageId, body}
  // The stream position this page has applied: every event up to it is shown (or was not
  // for us). Events arrive in order; a jump means something went missing, so re-join.
  let cursor = Number(root.dataset.throughSeq) || 0;
  let lastReadSeq = 0;
  let accessEnded = false;
  let readTimer = null;

  const oldestSeq = () => {
    const first = list.querySelector("li[data-seq]");
    return first ? Number(first.dataset.seq) : 0;
  };
  const newestSeq = () => {
    const items = list.querySelectorAll("li[data-seq]");
    return items.length ? Number(items[items.length - 1].dataset.seq) : 0;
  };

  const setStatus = (state) => {
    const text = {
      connecting: strings.connecting, online: strings.online, offline: strings.offline,
      "signed-out": strings.signedOut, "access-ended": strings.accessEnded,
    }[state];
    if (text) {
      status.textContent = text;
      status.dataset.state = state;
    }
  };

  const showError = (message) => {
    errorLine.textContent = message || "";
    errorLine.hidden = !message;
    if (message) textarea.setAttribute("aria-invalid", "true");
    else textarea.removeAttribute("aria-invalid");
  };

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };

  const formatTime = (iso) => {
    const date = new Date(iso);
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  };

  // "Report at once": every message someone else wrote links to the flag form, which comes
  // back to this room afterwards. The flagged member is never told who reported.
  function addReportLink(item) {
    if (item.querySelector(".chat-tombstone") || item.querySelector(".flag-link")) return;
    const url = strings.flagUrl.replace(/\/0\/$/, `/${item.dataset.messageId}/`);
    const link = element("a", "flag-link", strings.report);
    link.href = `${url}?next=${encodeURIComponent(window.location.pathname)}`;
    link.rel = "nofollow";
    link.append(element("span", "visually-hidden", ` ${strings.reportHint}`));
    const actions = element("div", "chat-actions");
    actions.append(link);
    item.append(actions);
  }

  function addActions(item) {
    if (item.dataset.own !== "true") {
      addReportLink(item);
      return;
    }
    if (item.querySelector(".chat-tombstone")) return;
    if (item.querySelector(".chat-actions")) return;
    const actions = element("div", "chat-actions");
    const edit = element("button", "link-button", strings.edit);
    edit.type = "button";
    edit.dataset.action = "edit";
    const remove = element("button", "link-button", strings.delete);
    remove.type = "button";
    remove.dataset.action = "delete";
    actions.append(edit, remove);
    item.append(actions);
  }

  // Reactions: counts come with every message; which ones are this member's own ("mine")
  // come from the page and from `reaction` frames, never from anyone else's.
  const reactionKinds = [...document.getElementById("chat-reaction-kinds").content.children].map(
    (span) => [span.dataset.kind, span.textContent],
  );
  const mine = new Map(); // message id -> Set of kinds
  for (const button of document.querySelectorAll(".chat-reactions button[aria-pressed='true']")) {
    const id = button.closest("li").dataset.messageId;
    if (!mine.has(id)) mine.set(id, new Set());
    mine.get(id).add(button.dataset.kind);
  }

  function reactionBar(message) {
    const bar = element("div", "reactions chat-reactions");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", strings.reactions);
    const own = mine.get(String(message.id)) || new Set();
    for (const [kind, label] of reactionKinds) {
      const button = element("button", own.has(kind) ? "reaction reaction-mine" : "reaction", label);
      button.type = "button";
      button.dataset.action = "react";
      button.dataset.kind = kind;
      button.setAttribute("aria-pressed", own.has(kind) ? "true" : "false");
      const count = (message.reactions || {})[kind];
      if (count) button.append(" ", element("span", "reaction-count", String(count)));
      bar.append(button);
    }
    return bar;
  }

  // A message with a content warning stays folded until its reader opens it.
  function folded(body, warning) {
    if (!warning) return body;
    const details = element("details", "chat-warning");
    details.append(element("summary", "", `${strings.contentWarning} ${warning}`), body);
    return details;
  }

  function renderMessage(message) {
    const own = message.sender && message.sender.public_id === me;
    const item = element("li", own ? "chat-message is-own" : "chat-message");
    item.id = `message-${message.id}`;
    item.dataset.messageId = String(message.id);
    item.dataset.seq = String(message.seq);
    item.dataset.own = own ? "true" : "false";
    const meta = element("p", "chat-meta");
    meta.append(element("span", "chat-author",
      message.sender ? message.sender.pseudonym : strings.former));
    meta.append(" · ");
    const time = element("time", "", formatTime(message.created_at));
    time.dateTime = message.created_at;
    meta.append(time);
    if (message.edited_at && !message.deleted) {
      meta.append(" · ", element("span", "chat-edited", strings.edited));
    }
    item.append(meta);
    if (message.deleted || message.hidden) {
      item.append(element("p", "chat-tombstone", message.deleted ? strings.deleted : strings.hidden));
    } else {
      const body = element("div", "chat-body user-text");
      // `html` comes from the server's one sanitising pipeline (community/sanitize.py).
      body.innerHTML = message.html;
      item.append(folded(body, message.content_warning));
      item.append(reactionBar(message));
    }
    addActions(item);
    return item;
  }

  // Messages are shown in their place in the conversation (`seq`, the order everyone sees).
  function insertInOrder(item, seq) {
    const firstPending = list.querySelector("li.is-pending");
    let before = firstPending;
    for (const other of list.querySelectorAll("li[data-seq]")) {
      if (Number(other.dataset.seq) > seq) {
        before = other;
        break;
      }
    }
    list.insertBefore(item, before);
  }

  function announce(message) {
    if (!message.sender || message.sender.public_id === me || message.deleted || message.hidden) return;
    const text = message.content_warning ? `${strings.contentWarning} ${message.content_warning}` : message.body;
    const line = element("p", "", `${strings.newMessage} ${message.sender.pseudonym}: ${text}`);
    announcer.append(line);
    while (announcer.childElementCount > 3) announcer.firstElementChild.remove();
  }

  // New or changed: a message is replaced where it is, or inserted in its place (a change
  // may be the first this page hears of a message, and carries all of it).
  function addMessage(message, { announceIt }) {
    document.getElementById("chat-empty")?.remove();
    const existing = document.getElementById(`message-${message.id}`);
    const item = renderMessage(message);
    const waiting = message.client_id && pending.get(message.client_id);
    if (existing) {
      existing.replaceWith(item);
    } else if (waiting && message.sender?.public_id === me) {
      window.clearTimeout(waiting.timer);
      pending.delete(message.client_id);
      waiting.item.remove();
      insertInOrder(item, message.seq);
    } else {
      insertInOrder(item, message.seq);
      if (announceIt) announce(message);
    }
  }

  function scheduleRead() {
    const seq = newestSeq();
    if (document.hidden || !seq || seq <= lastReadSeq) return;
    window.clearTimeout(readTimer);
    readTimer = window.setTimeout(() => {
      lastReadSeq = seq;
      realtime.send({ type: "read", conversation_id: conversationId, seq });
    }, 800);
  }

  // A stream event (message, message.updated, skip) at position `seq`: true when it is the
  // next one and should be applied.
  function advance(seq) {
    if (seq <= cursor) return false; // already applied
    if (seq !== cursor + 1) {
      // Never expected from the server; recover by resuming from what we hold.
      join();
      return false;
    }
    cursor = seq;
    return true;
  }

  function markFailed(clientId, message) {
    const entry = pending.get(clientId);
    if (!entry) return;
    window.clearTimeout(entry.timer);
    entry.item.classList.add("is-failed");
    const state = entry.item.querySelector(".chat-send-state");
    state.replaceChildren(element("span", "", `${strings.failed} ${message || ""} `));
    const retry = element("button", "link-button", strings.retry);
    retry.type = "button";
    retry.dataset.action = "retry";
    retry.dataset.clientId = clientId;
    state.append(retry);
  }

  // The server's "before you send" check held the message back (nothing was stored): say what
  // it found, and offer to send it as it is or to change it.
  function markHeld(clientId, message) {
    const entry = pending.get(clientId);
    window.clearTimeout(entry.timer);
    entry.item.classList.add("is-held");
    const state = entry.item.querySelector(".chat-send-state");
    state.replaceChildren(element("span", "", `${message} `));
    const sendAnyway = element("button", "link-button", strings.sendAnyway);
    sendAnyway.type = "button";
    sendAnyway.dataset.action = "send-anyway";
    sendAnyway.dataset.clientId = clientId;
    const change = element("button", "link-button", strings.changeIt);
    change.type = "button";
    change.dataset.action = "change";
    change.dataset.clientId = clientId;
    state.append(sendAnyway, " ", change);
    sendAnyway.focus();
  }

  function transmit(clientId) {
    const entry = pending.get(clientId);
    entry.item.classList.remove("is-failed", "is-held");
    entry.item.querySelector(".chat-send-state").textContent = strings.sending;
    window.clearTimeout(entry.timer);
    entry.timer = window.setTimeout(() => markFailed(clientId, ""), ACK_TIMEOUT_MS);
    // Offline: the entry waits and is resent on re-join, with the same client id.
    const frame = { type: "send", conversation_id: conversationId, client_id: clientId, body: entry.body };
    if (entry.warning) frame.content_warning = entry.warning;
    if (entry.confirm) frame.confirm = true;
    realtime.send(frame);
  }

  const showHeld = (message) => {
    document.getElementById("chat-held-text").textContent = message;
    heldPanel.hidden = false;
    document.getElementById("chat-held-send").focus();
  };
  const hideHeld = () => {
    heldPanel.hidden = true;
    heldEdit = null;
  };
  document.getElementById("chat-held-send").addEventListener("click", () => {
    if (heldEdit) realtime.send({ type: "edit", message_id: heldEdit.messageId, body: heldEdit.body, confirm: true });
    hideHeld();
    textarea.focus();
  });
  document.getElementById("chat-held-change").addEventListener("click", () => {
    const item = heldEdit && document.getElementById(`message-${heldEdit.messageId}`);
    const body = heldEdit?.body;
    hideHeld();
    if (item) openEditor(item, Number(item.dataset.messageId), body);
  });

  // Private to the writer (a self-harm signal in what they sent): where help is.
  realtime.on("notice", (frame) => {
    if (frame.conversation_id !== conversationId || frame.code !== "crisis_resources") return;
    const link = element("a", "", frame.link_text);
    link.href = frame.url;
    noticePanel.replaceChildren(`${frame.message} `, link);
    noticePanel.hidden = false;
  });

  function queueMessage(body, { confirm = false, warning = "" } = {}) {
    const clientId = window.crypto.randomUUID
      ? window.crypto.randomUUID()
      : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const item = element("li", "chat-message is-own is-pending");
    item.append(element("p", "chat-meta", strings.sending));
    item.firstChild.className = "chat-meta chat-send-state";
    item.firstChild.setAttribute("role", "status");
    item.append(folded(element("div", "chat-body user-text", body), warning));
    list.append(item);
    pending.set(clientId, { body, warning, item, timer: null, confirm });
    transmit(clientId);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const body = textarea.value.trim();
    if (!body) {
      showError(textarea.validationMessage || strings.failed);
      return;
    }
    showError("");
    // Without scripts the page's own "Send anyway" button posts the form with the
    // confirmation; with them, the same button confirms over the socket.
    queueMessage(body, { confirm: event.submitter?.name === "confirm_send", warning: warningField.value.trim() });
    document.querySelector(".before-you-send:not(#chat-held)")?.remove();
    textarea.value = "";
    warningField.value = "";
    warningField.closest("details").open = false;
    textarea.focus();
  });

  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action], .chat-reactions button");
    if (!button) return;
    const item = button.closest("li");
    const messageId = Number(item.dataset.messageId);
    if (button.closest(".chat-reactions")) {
      // The page's reaction forms work without scripts; with them, the socket reacts.
      event.preventDefault();
      const on = button.getAttribute("aria-pressed") !== "true";
      realtime.send({ type: "react", message_id: messageId, kind: button.dataset.kind, on });
    } else if (button.dataset.action === "retry") {
      transmit(button.dataset.clientId);
    } else if (button.dataset.action === "send-anyway") {
      pending.get(button.dataset.clientId).confirm = true;
      transmit(button.dataset.clientId);
      textarea.focus();
    } else if (button.dataset.action === "change") {
      const entry = pending.get(button.dataset.clientId);
      pending.delete(button.dataset.clientId);
      entry.item.remove();
      textarea.value = entry.body;
      textarea.focus();
    } else if (button.dataset.action === "delete") {
      if (window.confirm(strings.confirmDelete)) realtime.send({ type: "delete", message_id: messageId });
    } else if (button.dataset.action === "edit") {
      openEditor(item, messageId);
    }
  });

  function openEditor(item, messageId, text) {
    const body = item.querySelector(".chat-body");
    const editor = element("form", "chat-editor");
    const label = element("label", "visually-hidden", strings.editLabel);
    const field = element("textarea");
    field.id = `edit-${messageId}`;
    label.htmlFor = field.id;
    field.value = text ?? body.textContent.trim();
    field.maxLength = 4000;
    field.rows = 2;
    const save = element("button", "", strings.save);
    save.type = "submit";
    const cancel = element("button", "secondary", strings.cancel);
    cancel.type = "button";
    editor.append(label, field, save, cancel);
    item.querySelector(".chat-actions").hidden = true;
    body.hidden = true;
    item.append(editor);
    field.focus();
    const close = () => {
      editor.remove();
      body.hidden = false;
      item.querySelector(".chat-actions").hidden = false;
      item.querySelector("button[data-action=edit]")?.focus();
    };
    cancel.addEventListener("click", close);
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      heldEdit = { messageId, body: field.value };
      realtime.send({ type: "edit", message_id: messageId, body: field.value });
      close();
    });
  }

  olderButton?.addEventListener("click", () => {
    realtime.send({ type: "history", conversation_id: conversationId, before_seq: oldestSeq() });
  });

  realtime.on("state", ({ state }) => {
    if (!accessEnded) setStatus(state);
  });
  function join() {
    if (accessEnded) return;
    realtime.send({
      type: "join", conversation_id: conversationId, after_seq: cursor, ref: `join:${conversationId}`,
    });
  }
  realtime.on("open", join);
  realtime.on("access-ended", () => {
    accessEnded = true;
    setStatus("access-ended");
  });
  realtime.on("joined", (frame) => {
    if (frame.conversation_id !== conversationId) return;
    for (const clientId of pending.keys()) transmit(clientId);
    scheduleRead();
  });
  realtime.on("messages", (frame) => {
    if (frame.conversation_id !== conversationId) return;
    if (frame.mode === "history") {
      const anchor = list.firstElementChild;
      for (const message of frame.messages) {
        if (!document.getElementById(`message-${message.id}`)) list.insertBefore(renderMessage(message), anchor);
      }
      olderButton.hidden = !frame.has_more;
      return;
    }
    for (const message of frame.messages) addMessage(message, { announceIt: frame.mode === "resume" });
    // "latest" restarts from the server's position; "resume" pages bring us up to theirs.
    cursor = frame.mode === "latest" ? frame.through_seq : Math.max(cursor, frame.through_seq);
    scheduleRead();
  });
  realtime.on("message", (frame) => {
    if (frame.conversation_id !== conversationId || !advance(frame.seq)) return;
    addMessage(frame.message, { announceIt: true });
    scheduleRead();
  });
  realtime.on("message.updated", (frame) => {
    if (frame.conversation_id !== conversationId || !advance(frame.seq)) return;
    addMessage(frame.message, { announceIt: false });
  });
  realtime.on("reaction", (frame) => {
    if (frame.conversation_id !== conversationId) return;
    mine.set(String(frame.message_id), new Set(frame.mine));
    const item = document.getElementById(`message-${frame.message_id}`);
    for (const button of item?.querySelectorAll(".chat-reactions button") || []) {
      const chosen = frame.mine.includes(button.dataset.kind);
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
      button.classList.toggle("reaction-mine", chosen);
    }
  });
  realtime.on("skip", (frame) => {
    if (frame.conversation_id === conversationId) advance(frame.seq);
  });
  realtime.on("ack", (frame) => {
    if (frame.conversation_id !== conversationId) return;
    const entry = pending.get(frame.client_id);
    if (!entry) return;
    window.clearTimeout(entry.timer);
    entry.item.querySelector(".chat-send-state").textContent = "";
  });
  realtime.on("error", (frame) => {
    if (frame.code === "identity_warning" && frame.client_id && pending.has(frame.client_id)) {
      markHeld(frame.client_id, frame.message);
    } else if (frame.code === "identity_warning" && heldEdit && frame.message_id === heldEdit.messageId) {
      showHeld(frame.message);
    } else if (frame.client_id && pending.has(frame.client_id)) {
      markFailed(frame.client_id, frame.message);
    } else if (frame.ref === `join:${conversationId}`) {
      if (frame.code === "not_found") {
        accessEnded = true;
        setStatus("access-ended");
      } else {
        // A passing failure (server busy, restarting): join again shortly.
        window.setTimeout(join, 1000 + Math.random() * 2000);
      }
    } else {
      showError(frame.message);
    }
  });
  // public id -> {pseudonym, appears_offline}; only a room's hosts are ever told of members
  // who appear offline (docs/protocol.md, Presence), and they see them marked.
  const present = new Map();
  const renderPresence = () => {
    const members = [...present.values()].sort((a, b) => a.pseudonym.localeCompare(b.pseudonym));
    presenceList.replaceChildren(...members.map((member) => {
      const item = element("li", "", member.pseudonym);
      if (member.appears_offline) {
        item.append(" ", element("span", "badge", strings.appearsOffline));
      }
      return item;
    }));
    if (!members.length) presenceList.append(element("li", "muted", strings.nobody));
  };
  const remember = (member) => present.set(member.public_id, {
    pseudonym: member.pseudonym,
    appears_offline: member.appears_offline === true,
  });
  realtime.on("presence", (frame) => {
    if (!presenceList || frame.conversation_id !== conversationId) return;
    present.clear();
    for (const member of frame.members) remember(member);
    renderPresence();
  });
  realtime.on("presence.changed", (frame) => {
    if (!presenceList || frame.conversation_id !== conversationId) return;
    for (const member of frame.arrived) remember(member);
    for (const publicId of frame.departed) present.delete(publicId);
    renderPresence();
  });
  realtime.on("room.updated", (frame) => {
    if (frame.conversation_id === conversationId && frame.message) showError(frame.message);
  });

  for (const item of list.querySelectorAll("li[data-message-id]")) addActions(item);
  // The bell may have opened the shared socket already, before this module ran.
  setStatus(realtime.state);
  if (realtime.state === "online") join();
  realtime.start();
}
