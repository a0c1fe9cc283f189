// A live conversation page (group room, direct messages, support thread). The page renders the
// latest messages on the server; this module joins the conversation over the shared socket,
// resumes from the stream position it holds (docs/protocol.md, "Sequence"), sends with a
// client id (a resend is stored once) and keeps the states "connecting", "offline" and
// "message failed — retry" visible.
//
// The message list is its own scroll region and one Tab stop: arrow keys move focus from
// message to message (a roving tab index, as in Element), every message is named by its
// author, time and text, and its actions (reply, react, edit, delete, report, block) are in
// one menu that opens from the keyboard (Enter) or from its "⋯" button. Alt+Shift+M goes to
// the message box from anywhere on the page.
import { realtime } from "./realtime.js";
import { calendarDay, clock, daysBetween, longDay, showTime, timeElement } from "./when.js";

const ACK_TIMEOUT_MS = 10000;
// Consecutive messages of one author within this time are shown as one group.
const GROUP_WITHIN_MS = 5 * 60 * 1000;
// More new messages than this at once (a resume, a busy minute) are announced as one summary.
const BURST = 3;
const ANNOUNCE_WAIT_MS = 400;
// How close to an end of the list counts as being there (pixels).
const NEAR_EDGE_PX = 48;
const MAX_SUGGESTIONS = 8;
const root = document.getElementById("chat");

if (root) {
  const strings = document.getElementById("chat-strings").dataset;
  const conversationId = Number(root.dataset.conversationId);
  const me = root.dataset.me;
  const kind = root.dataset.kind;
  const announcements = root.dataset.announcements || "all";
  const list = document.getElementById("chat-messages");
  const scroller = document.getElementById("chat-scroll");
  const status = document.getElementById("chat-status");
  const form = document.getElementById("chat-form");
  const textarea = document.getElementById("chat-body");
  const warningField = document.getElementById("chat-content-warning");
  const errorLine = document.getElementById("chat-error");
  const announcer = document.getElementById("chat-announcer");
  const olderButton = document.getElementById("chat-older");
  const jumpButton = document.getElementById("chat-jump");
  const presenceList = document.getElementById("presence-list");
  const presenceCount = document.getElementById("presence-count");
  const heldPanel = document.getElementById("chat-held");
  const noticePanel = document.getElementById("chat-notice");
  const mentionList = document.getElementById("chat-mention-list");
  const mentionStatus = document.getElementById("chat-mention-status");
  const pending = new Map(); // client id -> {body, item, timer, confirm}
  let heldEdit = null; // an edit the "before you send" check held back: {messageId, body}
  // The stream position this page has applied: every event up to it is shown (or was not
  // for us). Events arrive in order; a jump means something went missing, so re-join.
  let cursor = Number(root.dataset.throughSeq) || 0;
  const readSeqAtLoad = Number(root.dataset.readSeq) || 0;
  let lastReadSeq = readSeqAtLoad;
  let accessEnded = false;
  let joinedNow = false;
  let readTimer = null;
  let loadingOlder = false;
  let focusAfterOlder = false;
  let unseen = 0; // messages from others that arrived while the member was scrolled up
  root.classList.add("is-live");

  const messageItems = () => [...list.querySelectorAll("li.chat-message")];
  const storedItems = () => [...list.querySelectorAll("li.chat-message[data-seq]")];
  const oldestSeq = () => Number(storedItems()[0]?.dataset.seq || 0);
  const newestSeq = () => Number(storedItems().at(-1)?.dataset.seq || 0);

  const element = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const button = (className, text, dataset = {}) => {
    const node = element("button", className, text);
    node.type = "button";
    Object.assign(node.dataset, dataset);
    return node;
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

  // --- Dates: each message's time is the site's one <time> rendering (when.js, in the
  // member's zone); a day label before each day's first message, and the spoken time below.

  const daysAgo = (date) => daysBetween(date, new Date());
  function dayLabel(date) {
    const ago = daysAgo(date);
    if (ago === 0) return strings.today;
    if (ago === 1) return strings.yesterday;
    const sameYear = calendarDay(date).slice(0, 4) === calendarDay(new Date()).slice(0, 4);
    return longDay(date, !sameYear);
  }
  const spokenTime = (date) => (daysAgo(date) === 0 ? clock(date) : `${dayLabel(date)} ${clock(date)}`);

  // --- One message ---------------------------------------------------------------------------

  const mentionsMe = (ids) => Boolean(me) && ids.includes(me);
  const canBlock = (author) =>
    strings.canBlock === "true" && author && !author.startsWith("alias-") && !author.startsWith("moderator-");

  // Reactions: counts come with every message; which ones are this member's own ("mine")
  // come from the page and from `reaction` frames, never from anyone else's.
  const reactionKinds = [...document.getElementById("chat-reaction-kinds").content.children].map(
    (span) => [span.dataset.kind, span.textContent],
  );
  const mine = new Map(); // message id -> Set of kinds
  for (const chosen of list.querySelectorAll(".chat-reactions button[aria-pressed='true']")) {
    const id = chosen.closest("li").dataset.messageId;
    if (!mine.has(id)) mine.set(id, new Set());
    mine.get(id).add(chosen.dataset.kind);
  }
  const countOf = (item, reaction) =>
    Number(item.querySelector(`.reaction[data-kind="${reaction}"] .reaction-count`)?.textContent || 0);

  function reactionBar(message) {
    const bar = element("div", "reactions chat-reactions");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", strings.reactions);
    const own = mine.get(String(message.id)) || new Set();
    for (const [reaction, label] of reactionKinds) {
      const count = (message.reactions || {})[reaction] || 0;
      const chip = button(`reaction${own.has(reaction) ? " reaction-mine" : ""}${count ? " has-count" : ""}`, label, {
        kind: reaction,
      });
      chip.setAttribute("aria-pressed", own.has(reaction) ? "true" : "false");
      if (count) chip.append(" ", element("span", "reaction-count", String(count)));
      bar.append(chip);
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
    item.dataset.author = message.sender ? message.sender.public_id : "";
    if (message.mentions?.length) item.dataset.mentions = message.mentions.join(" ");
    const meta = element("p", "chat-meta");
    meta.append(element("span", "chat-author", message.sender ? message.sender.pseudonym : strings.former), " ");
    meta.append(timeElement(message.created_at));
    if (message.edited_at && !message.deleted) meta.append(" ", element("span", "chat-edited", strings.edited));
    item.append(meta);
    if (message.deleted || message.hidden) {
      item.append(element("p", "chat-tombstone", message.deleted ? strings.deleted : strings.hidden));
    } else {
      const body = element("div", "chat-body user-text");
      // `html` comes from the server's one sanitising pipeline (community/sanitize.py).
      body.innerHTML = message.html;
      item.append(folded(body, message.content_warning), reactionBar(message));
    }
    return finish(item);
  }

  // What a screen reader says when a message gets focus: author, time, text (or only its
  // content warning), then "edited", "mentions you" and the reaction counts.
  function describe(item) {
    const time = item.querySelector(".chat-meta time");
    const summary = item.querySelector("details.chat-warning > summary");
    const text = (item.querySelector(".chat-tombstone") || summary || item.querySelector(".chat-body"))
      ?.textContent.trim() || "";
    const parts = [
      item.querySelector(".chat-author")?.textContent,
      time ? spokenTime(new Date(time.dateTime)) : strings.sending,
      text.length > 300 ? `${text.slice(0, 300)}…` : text,
    ];
    if (item.querySelector(".chat-edited")) parts.push(strings.edited);
    if (item.classList.contains("is-mention")) parts.push(strings.mentionsYou);
    const counts = reactionKinds
      .map(([reaction, label]) => [label, countOf(item, reaction)])
      .filter(([, count]) => count)
      .map(([label, count]) => `${label} ${count}`);
    if (counts.length) parts.push(`${strings.reactions}: ${counts.join(", ")}`);
    item.setAttribute("aria-label", parts.filter(Boolean).join(", "));
  }

  // Every message, from the page or the socket, goes through here once rendered: out of the
  // Tab order but for the roving one, its "⋯" button, its highlight, its name.
  function finish(item) {
    item.tabIndex = item === active ? 0 : -1;
    for (const control of item.querySelectorAll("a, button, summary, input, textarea")) {
      if (!control.closest(".chat-editor, .chat-menu")) control.tabIndex = -1;
    }
    const time = item.querySelector(".chat-meta time");
    if (time) showTime(time);
    const stored = item.dataset.messageId && !item.querySelector(".chat-tombstone");
    if (stored && !item.querySelector(".chat-actions-button")) {
      const author = item.querySelector(".chat-author")?.textContent || "";
      const open = button("chat-actions-button", "⋯", { action: "menu" });
      open.tabIndex = -1;
      open.setAttribute("aria-haspopup", "menu");
      open.setAttribute("aria-expanded", "false");
      open.setAttribute("aria-label", `${strings.actionsFor} ${author}`);
      item.querySelector(".chat-meta").append(open);
    }
    const mentioned = (item.dataset.mentions || "").split(" ").filter(Boolean);
    item.classList.toggle("is-mention", item.dataset.own !== "true" && mentionsMe(mentioned));
    describe(item);
    return item;
  }

  // Day labels, author groups and the "new since your last visit" line, from the messages'
  // order (run after every change to the list; a few hundred messages take well under 1 ms).
  let dividerSeq = null;
  function setMarkers(item, markers) {
    const current = [...item.querySelectorAll(":scope > .chat-day, :scope > .chat-new-divider")];
    const same = current.length === markers.length
      && current.every((node, index) => node.classList.contains(markers[index][0])
        && node.textContent === markers[index][1]);
    if (same) return;
    for (const node of current) node.remove();
    item.prepend(...markers.map(([className, text]) => {
      const marker = element("p", className);
      marker.append(element("span", "", text));
      return marker;
    }));
  }
  function decorate() {
    let previous = null;
    for (const item of storedItems()) {
      const time = item.querySelector(".chat-meta time");
      const created = new Date(time.dateTime);
      const day = calendarDay(created);
      const isDivider = item.dataset.seq === String(dividerSeq);
      const markers = [];
      if (!previous || previous.day !== day) markers.push(["chat-day", dayLabel(created)]);
      if (isDivider) markers.push(["chat-new-divider", strings.newSince]);
      setMarkers(item, markers);
      const continued = previous && !markers.length && item.dataset.author
        && previous.author === item.dataset.author && created - previous.created < GROUP_WITHIN_MS;
      item.classList.toggle("is-continued", Boolean(continued));
      previous = { author: item.dataset.author, day, created };
    }
  }

  // --- Scrolling: stay at the newest message unless the member scrolled up ----------------

  const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < NEAR_EDGE_PX;
  const toBottom = () => {
    scroller.scrollTop = scroller.scrollHeight;
  };
  function showUnseen() {
    jumpButton.textContent = unseen === 1 ? strings.jumpOne : strings.jumpMany.replace("COUNT", String(unseen));
    jumpButton.hidden = unseen === 0;
  }
  // Runs `work` (which adds or changes messages and returns how many new ones others wrote)
  // and keeps the view where the member wants it.
  function changeList(work, { stickToBottom = false } = {}) {
    const atBottom = nearBottom();
    const added = work();
    decorate();
    if (atBottom || stickToBottom) {
      toBottom();
    } else if (added) {
      unseen += added;
      showUnseen();
    }
    if (!list.contains(document.activeElement)) setActive(messageItems().at(-1));
  }
  jumpButton.addEventListener("click", () => {
    unseen = 0;
    showUnseen();
    toBottom();
    setActive(messageItems().at(-1), { focus: true });
  });
  scroller.addEventListener("scroll", () => {
    if (unseen && nearBottom()) {
      unseen = 0;
      showUnseen();
    }
    if (scroller.scrollTop < NEAR_EDGE_PX) loadOlder();
    scheduleRead();
  }, { passive: true });

  function loadOlder() {
    if (loadingOlder || olderButton.hidden || !joinedNow || !oldestSeq()) return;
    loadingOlder = realtime.send({ type: "history", conversation_id: conversationId, before_seq: oldestSeq() });
  }
  olderButton.addEventListener("click", loadOlder);

  // --- Roving focus through the list --------------------------------------------------------

  let active = null;
  function setActive(item, { focus = false } = {}) {
    if (!item) return;
    if (active && active !== item) active.tabIndex = -1;
    active = item;
    item.tabIndex = 0;
    if (focus) {
      item.focus({ preventScroll: true });
      item.scrollIntoView({ block: "nearest" });
    }
  }
  list.addEventListener("focusin", (event) => {
    if (event.target.matches("li.chat-message")) setActive(event.target);
  });
  list.addEventListener("keydown", (event) => {
    const item = event.target;
    if (!item.matches("li.chat-message")) return; // an editor or the menu handles its own keys
    const items = messageItems();
    const index = items.indexOf(item);
    let next = null;
    switch (event.key) {
      case "ArrowDown": next = items[index + 1]; break;
      case "ArrowUp":
        if (index > 0) {
          next = items[index - 1];
        } else if (olderButton.hidden) {
          say(strings.noOlder);
        } else {
          focusAfterOlder = true;
          say(strings.loadingOlder);
          loadOlder();
        }
        break;
      case "Home": next = items[0]; break;
      case "End": next = items.at(-1); break;
      case "PageDown": next = items[Math.min(index + 10, items.length - 1)]; break;
      case "PageUp": next = items[Math.max(index - 10, 0)]; break;
      case "Enter": case " ": case "ContextMenu": openMenu(item); break;
      case "F10": if (!event.shiftKey) return; openMenu(item); break;
      default: return;
    }
    event.preventDefault();
    if (next) setActive(next, { focus: true });
  });
  document.addEventListener("keydown", (event) => {
    if (event.altKey && event.shiftKey && event.code === "KeyM") {
      event.preventDefault();
      textarea.focus();
    }
  });

  // --- The message menu: one element, moved into the message it is for ---------------------

  const menu = element("div", "chat-menu");
  menu.id = "chat-menu";
  menu.setAttribute("role", "menu");
  menu.setAttribute("aria-label", strings.actions);
  let menuFor = null;

  function menuItem(text, action, { checked, ...data } = {}) {
    const item = button("chat-menu-item", text, { menuAction: action, ...data });
    item.tabIndex = -1;
    item.setAttribute("role", checked === undefined ? "menuitem" : "menuitemcheckbox");
    if (checked !== undefined) item.setAttribute("aria-checked", String(checked));
    return item;
  }

  function openMenu(item, focusIndex = 0) {
    closeMenu();
    const id = item.dataset.messageId;
    if (!id || item.querySelector(".chat-tombstone") || item.querySelector(".chat-editor")) return;
    const own = item.dataset.own === "true";
    const entries = [menuItem(strings.reply, "reply")];
    for (const [reaction, label] of reactionKinds) {
      const count = countOf(item, reaction);
      entries.push(menuItem(`${strings.react} ${label}${count ? ` (${count})` : ""}`, "react", {
        checked: mine.get(id)?.has(reaction) || false, kind: reaction,
      }));
    }
    const warning = item.querySelector("details.chat-warning");
    if (warning) entries.push(menuItem(warning.open ? strings.fold : strings.show, "fold"));
    [...item.querySelectorAll(".chat-body a[href]")].slice(0, 3).forEach((link, index) => {
      entries.push(menuItem(`${strings.openLink} ${link.textContent}`, "link", { index: String(index) }));
    });
    if (own) {
      entries.push(menuItem(strings.edit, "edit"), menuItem(strings.delete, "delete"));
    } else {
      entries.push(menuItem(strings.report, "report"));
      if (canBlock(item.dataset.author)) entries.push(menuItem(strings.block, "block"));
    }
    menu.replaceChildren(...entries);
    item.append(menu);
    menuFor = item;
    item.querySelector(".chat-actions-button")?.setAttribute("aria-expanded", "true");
    entries[Math.min(focusIndex, entries.length - 1)].focus();
    menu.scrollIntoView({ block: "nearest" });
  }

  function closeMenu({ focusItem = false } = {}) {
    const item = menuFor;
    if (!item) return;
    menuFor = null;
    menu.remove();
    item.querySelector(".chat-actions-button")?.setAttribute("aria-expanded", "false");
    if (focusItem) setActive(item, { focus: true });
  }

  menu.addEventListener("keydown", (event) => {
    const entries = [...menu.children];
    const index = entries.indexOf(document.activeElement);
    switch (event.key) {
      case "ArrowDown": entries[(index + 1) % entries.length].focus(); break;
      case "ArrowUp": entries[(index - 1 + entries.length) % entries.length].focus(); break;
      case "Home": entries[0].focus(); break;
      case "End": entries.at(-1).focus(); break;
      case "Escape": case "Tab": closeMenu({ focusItem: true }); break;
      default: return;
    }
    event.preventDefault();
    event.stopPropagation();
  });
  menu.addEventListener("focusout", (event) => {
    if (menuFor && !menu.contains(event.relatedTarget)) closeMenu();
  });
  menu.addEventListener("click", (event) => {
    const entry = event.target.closest("[data-menu-action]");
    if (!entry) return;
    event.stopPropagation();
    const item = menuFor;
    closeMenu({ focusItem: true });
    act(item, entry.dataset);
  });
  document.addEventListener("click", (event) => {
    if (menuFor && !menuFor.contains(event.target)) closeMenu();
  });

  function quote(item) {
    const author = item.querySelector(".chat-author")?.textContent || "";
    const summary = item.querySelector("details.chat-warning > summary");
    const text = summary ? `(${summary.textContent})` : item.querySelector(".chat-body").textContent.trim();
    const line = text.replace(/\s+/g, " ");
    return `> ${author}: ${line.length > 140 ? `${line.slice(0, 140)}…` : line}\n`;
  }

  function act(item, { menuAction, kind: reaction, index }) {
    const messageId = Number(item.dataset.messageId);
    if (menuAction === "reply") {
      textarea.value = `${quote(item)}${textarea.value}`;
      textarea.focus();
      textarea.setSelectionRange(textarea.value.length, textarea.value.length);
    } else if (menuAction === "react") {
      const on = !mine.get(item.dataset.messageId)?.has(reaction);
      realtime.send({ type: "react", message_id: messageId, kind: reaction, on });
    } else if (menuAction === "fold") {
      const details = item.querySelector("details.chat-warning");
      details.open = !details.open;
    } else if (menuAction === "link") {
      item.querySelectorAll(".chat-body a[href]")[Number(index)].click();
    } else if (menuAction === "edit") {
      openEditor(item, messageId);
    } else if (menuAction === "delete") {
      if (window.confirm(strings.confirmDelete)) realtime.send({ type: "delete", message_id: messageId });
    } else if (menuAction === "report") {
      // The flag form comes back to this conversation afterwards; the flagged member is never
      // told who reported.
      const url = strings.flagUrl.replace(/\/0\/$/, `/${messageId}/`);
      window.location.assign(`${url}?next=${encodeURIComponent(window.location.pathname)}`);
    } else if (menuAction === "block") {
      window.location.assign(strings.profileUrl.replace("PUBLIC_ID", item.dataset.author));
    }
  }

  // --- Screen-reader announcements: once per message, a burst as one summary --------------

  const announced = new Set();
  let announceQueue = [];
  let announceTimer = null;
  function say(text) {
    announcer.append(element("p", "", text));
    while (announcer.childElementCount > 3) announcer.firstElementChild.remove();
  }
  function wantsAnnouncement(message) {
    if (!message.sender || message.sender.public_id === me || message.deleted || message.hidden) return false;
    if (announced.has(message.id) || announcements === "off") return false;
    return announcements === "all" || kind !== "room" || mentionsMe(message.mentions || []);
  }
  function announce(message) {
    if (!wantsAnnouncement(message)) return;
    announced.add(message.id);
    announceQueue.push(message);
    announceTimer ??= window.setTimeout(() => {
      const batch = announceQueue;
      announceQueue = [];
      announceTimer = null;
      if (batch.length > BURST) {
        say(strings.burst.replace("COUNT", String(batch.length)));
        return;
      }
      for (const each of batch) {
        const text = each.content_warning ? `${strings.contentWarning} ${each.content_warning}` : each.body;
        const short = text.length > 200 ? `${text.slice(0, 200)}…` : text;
        const who = each.sender.pseudonym;
        say(mentionsMe(each.mentions || []) ? `${who} ${strings.mentionedYou}: ${short}` : `${strings.newMessage} ${who}: ${short}`);
      }
    }, ANNOUNCE_WAIT_MS);
  }

  // --- Applying what the server sends ----------------------------------------------------------

  // Messages are shown in their place in the conversation (`seq`, the order everyone sees).
  function insertInOrder(item, seq) {
    const before = storedItems().find((other) => Number(other.dataset.seq) > seq)
      || list.querySelector("li.is-pending");
    list.insertBefore(item, before || null);
  }

  // A changed message re-rendered while its writer edits it waits until the editor closes.
  const waitingForEditor = new Map(); // message id -> message
  // New or changed: a message is replaced where it is, or inserted in its place (a change
  // may be the first this page hears of a message, and carries all of it). Returns 1 for a
  // new message someone else wrote (for the "N new messages" count), else 0.
  function addMessage(message, { announceIt }) {
    document.getElementById("chat-empty")?.remove();
    const existing = document.getElementById(`message-${message.id}`);
    if (existing?.querySelector(".chat-editor")) {
      waitingForEditor.set(message.id, message);
      return 0;
    }
    const waiting = message.client_id && pending.get(message.client_id);
    const item = renderMessage(message);
    if (existing) {
      const hadFocus = existing === document.activeElement;
      const menuIndex = menuFor === existing ? [...menu.children].indexOf(document.activeElement) : -1;
      if (menuIndex >= 0) closeMenu();
      if (active === existing) active = item;
      item.tabIndex = existing.tabIndex;
      existing.replaceWith(item);
      if (hadFocus) item.focus({ preventScroll: true });
      if (menuIndex >= 0) openMenu(item, menuIndex);
      return 0;
    }
    if (waiting && message.sender?.public_id === me) {
      window.clearTimeout(waiting.timer);
      pending.delete(message.client_id);
      if (active === waiting.item) active = item;
      waiting.item.remove();
      insertInOrder(item, message.seq);
      return 0;
    }
    insertInOrder(item, message.seq);
    if (announceIt) announce(message);
    return message.sender?.public_id === me ? 0 : 1;
  }

  // The read marker follows what the member has seen: the newest message when at the bottom,
  // else the last one in view.
  function seenSeq() {
    if (nearBottom()) return newestSeq();
    const bottom = scroller.getBoundingClientRect().bottom;
    let seen = 0;
    for (const item of storedItems()) {
      if (item.getBoundingClientRect().top >= bottom) break;
      seen = Number(item.dataset.seq);
    }
    return seen;
  }
  function sendRead() {
    const seq = seenSeq();
    if (!seq || seq <= lastReadSeq || !joinedNow) return;
    lastReadSeq = seq;
    realtime.send({ type: "read", conversation_id: conversationId, seq });
  }
  // At most one `read` every 800 ms while the member reads and scrolls; what is pending goes
  // out at once when they leave the page or switch away from it.
  function scheduleRead() {
    if (document.hidden || !joinedNow || readTimer) return;
    readTimer = window.setTimeout(() => {
      readTimer = null;
      if (!document.hidden) sendRead();
    }, 800);
  }
  function flushRead() {
    if (!readTimer) return;
    window.clearTimeout(readTimer);
    readTimer = null;
    sendRead();
  }
  window.addEventListener("pagehide", flushRead);
  document.addEventListener("visibilitychange", () => (document.hidden ? flushRead() : scheduleRead()));

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

  // --- Sending ----------------------------------------------------------------------------------

  function markFailed(clientId, message) {
    const entry = pending.get(clientId);
    if (!entry) return;
    window.clearTimeout(entry.timer);
    entry.item.classList.add("is-failed");
    const state = entry.item.querySelector(".chat-send-state");
    state.replaceChildren(element("span", "", `${strings.failed} ${message || ""} `));
    state.append(button("quiet", strings.retry, { action: "retry", clientId }));
  }

  // The server's "before you send" check held the message back (nothing was stored): say what
  // it found, and offer to send it as it is or to change it.
  function markHeld(clientId, message) {
    const entry = pending.get(clientId);
    window.clearTimeout(entry.timer);
    entry.item.classList.add("is-held");
    const state = entry.item.querySelector(".chat-send-state");
    state.replaceChildren(element("span", "", `${message} `));
    const sendAnyway = button("quiet", strings.sendAnyway, { action: "send-anyway", clientId });
    state.append(sendAnyway, " ", button("quiet", strings.changeIt, { action: "change", clientId }));
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
    item.tabIndex = -1;
    const state = element("p", "chat-meta chat-send-state", strings.sending);
    state.setAttribute("role", "status");
    item.append(state, folded(element("div", "chat-body user-text", body), warning));
    document.getElementById("chat-empty")?.remove();
    changeList(() => {
      list.append(item);
      return 0;
    }, { stickToBottom: true });
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
    closeSuggestions();
    // Without scripts the page's own "Send anyway" button posts the form with the
    // confirmation; with them, the same button confirms over the socket.
    queueMessage(body, { confirm: event.submitter?.name === "confirm_send", warning: warningField.value.trim() });
    document.querySelector(".before-you-send:not(#chat-held)")?.remove();
    textarea.value = "";
    warningField.value = "";
    warningField.closest("details").open = false;
    textarea.focus();
  });

  // --- @mentions: suggestions from the room's members (never anyone blocked either way) ------

  let candidates = JSON.parse(document.getElementById("chat-mention-candidates")?.textContent || "[]");
  let suggestion = null; // {start, end, options, index}
  function mentionAtCaret() {
    const caret = textarea.selectionStart;
    if (!candidates.length || caret !== textarea.selectionEnd) return null;
    const match = /(?:^|\s)@([^@\n]{0,30})$/.exec(textarea.value.slice(0, caret));
    if (!match) return null;
    const query = match[1].toLowerCase();
    const options = candidates.filter((each) => each.pseudonym.toLowerCase().startsWith(query)).slice(0, MAX_SUGGESTIONS);
    if (!options.length || (options.length === 1 && options[0].pseudonym.toLowerCase() === query)) return null;
    return { start: caret - match[1].length - 1, end: caret, options };
  }
  function showSuggestions({ announceCount }) {
    mentionList.replaceChildren(...suggestion.options.map((option, index) => {
      const entry = element("li", "chat-mention-option", option.pseudonym);
      entry.id = `chat-mention-${index}`;
      entry.dataset.index = String(index);
      entry.setAttribute("role", "option");
      entry.setAttribute("aria-selected", index === suggestion.index ? "true" : "false");
      return entry;
    }));
    mentionList.hidden = false;
    textarea.setAttribute("aria-controls", mentionList.id);
    textarea.setAttribute("aria-autocomplete", "list");
    textarea.setAttribute("aria-activedescendant", `chat-mention-${suggestion.index}`);
    if (announceCount) mentionStatus.textContent = strings.suggestions.replace("COUNT", String(suggestion.options.length));
  }
  function updateSuggestions() {
    const found = mentionAtCaret();
    if (!found) {
      closeSuggestions();
      return;
    }
    const key = (options) => options.map((option) => option.public_id).join(" ");
    const same = suggestion && key(suggestion.options) === key(found.options);
    suggestion = { ...found, index: same ? suggestion.index : 0 };
    showSuggestions({ announceCount: !same });
  }
  function closeSuggestions() {
    if (!suggestion) return;
    suggestion = null;
    mentionList.hidden = true;
    mentionList.replaceChildren();
    textarea.removeAttribute("aria-activedescendant");
    mentionStatus.textContent = "";
  }
  function pickSuggestion(index) {
    const { start, end, options } = suggestion;
    const insert = `@${options[index].pseudonym} `;
    textarea.value = textarea.value.slice(0, start) + insert + textarea.value.slice(end);
    textarea.setSelectionRange(start + insert.length, start + insert.length);
    closeSuggestions();
    textarea.focus();
  }
  textarea.addEventListener("input", updateSuggestions);
  textarea.addEventListener("blur", closeSuggestions);
  mentionList.addEventListener("mousedown", (event) => {
    event.preventDefault(); // keeps the focus (and the caret) in the message box
    const option = event.target.closest("[data-index]");
    if (option) pickSuggestion(Number(option.dataset.index));
  });

  textarea.addEventListener("keydown", (event) => {
    if (suggestion) {
      const count = suggestion.options.length;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        suggestion.index = (suggestion.index + (event.key === "ArrowDown" ? 1 : count - 1)) % count;
        showSuggestions({ announceCount: false });
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
        event.preventDefault();
        pickSuggestion(suggestion.index);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        closeSuggestions();
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  // --- Clicks inside the list (mouse and touch; the keyboard goes through the menu) --------

  list.addEventListener("click", (event) => {
    const target = event.target.closest("button[data-action], .chat-reactions button");
    if (!target) return;
    const item = target.closest("li");
    const messageId = Number(item.dataset.messageId);
    if (target.closest(".chat-reactions")) {
      // The page's reaction forms work without scripts; with them, the socket reacts.
      event.preventDefault();
      const on = target.getAttribute("aria-pressed") !== "true";
      realtime.send({ type: "react", message_id: messageId, kind: target.dataset.kind, on });
    } else if (target.dataset.action === "menu") {
      event.stopPropagation();
      if (menuFor === item) closeMenu({ focusItem: true });
      else openMenu(item);
    } else if (target.dataset.action === "retry") {
      transmit(target.dataset.clientId);
    } else if (target.dataset.action === "send-anyway") {
      pending.get(target.dataset.clientId).confirm = true;
      transmit(target.dataset.clientId);
      textarea.focus();
    } else if (target.dataset.action === "change") {
      const entry = pending.get(target.dataset.clientId);
      pending.delete(target.dataset.clientId);
      entry.item.remove();
      textarea.value = entry.body;
      textarea.focus();
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
    const cancel = button("secondary", strings.cancel);
    editor.append(label, field, save, " ", cancel);
    body.hidden = true;
    item.append(editor);
    field.focus();
    const close = () => {
      editor.remove();
      body.hidden = false;
      setActive(item, { focus: true });
      const changed = waitingForEditor.get(messageId);
      waitingForEditor.delete(messageId);
      if (changed) changeList(() => addMessage(changed, { announceIt: false }));
    };
    cancel.addEventListener("click", close);
    field.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        close();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        editor.requestSubmit();
      }
    });
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      heldEdit = { messageId, body: field.value };
      realtime.send({ type: "edit", message_id: messageId, body: field.value });
      close();
    });
  }

  // --- The socket -----------------------------------------------------------------------------

  realtime.on("state", ({ state }) => {
    if (state !== "online") joinedNow = false;
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
    joinedNow = true;
    if (Array.isArray(frame.mention_candidates)) candidates = frame.mention_candidates;
    for (const clientId of pending.keys()) transmit(clientId);
    if (scroller.scrollTop < NEAR_EDGE_PX) loadOlder(); // scrolled up before the socket was ready
    scheduleRead();
  });
  realtime.on("messages", (frame) => {
    if (frame.conversation_id !== conversationId) return;
    if (frame.mode === "history") {
      loadingOlder = false;
      const height = scroller.scrollHeight;
      const anchor = storedItems()[0] || null;
      let count = 0;
      for (const message of frame.messages) {
        if (document.getElementById(`message-${message.id}`)) continue;
        list.insertBefore(renderMessage(message), anchor || list.firstElementChild);
        count += 1;
      }
      olderButton.hidden = !frame.has_more;
      decorate();
      scroller.scrollTop += scroller.scrollHeight - height; // the messages in view stay put
      if (focusAfterOlder) {
        focusAfterOlder = false;
        say(count ? strings.loadedOlder.replace("COUNT", String(count)) : strings.noOlder);
        setActive(anchor?.previousElementSibling || anchor, { focus: true });
      }
      return;
    }
    changeList(() => frame.messages.reduce(
      (added, message) => added + addMessage(message, { announceIt: frame.mode === "resume" }), 0));
    // "latest" restarts from the server's position; "resume" pages bring us up to theirs.
    cursor = frame.mode === "latest" ? frame.through_seq : Math.max(cursor, frame.through_seq);
    scheduleRead();
  });
  realtime.on("message", (frame) => {
    if (frame.conversation_id !== conversationId || !advance(frame.seq)) return;
    changeList(() => addMessage(frame.message, { announceIt: true }));
    scheduleRead();
  });
  realtime.on("message.updated", (frame) => {
    if (frame.conversation_id !== conversationId || !advance(frame.seq)) return;
    changeList(() => addMessage(frame.message, { announceIt: false }));
  });
  realtime.on("reaction", (frame) => {
    if (frame.conversation_id !== conversationId) return;
    mine.set(String(frame.message_id), new Set(frame.mine));
    const item = document.getElementById(`message-${frame.message_id}`);
    for (const chip of item?.querySelectorAll(".chat-reactions button") || []) {
      const chosen = frame.mine.includes(chip.dataset.kind);
      chip.setAttribute("aria-pressed", chosen ? "true" : "false");
      chip.classList.toggle("reaction-mine", chosen);
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
      if (loadingOlder) loadingOlder = false;
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
      if (member.appears_offline) item.append(" ", element("span", "badge", strings.appearsOffline));
      return item;
    }));
    if (!members.length) presenceList.append(element("li", "muted", strings.nobody));
    presenceCount.textContent = String(members.length);
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

  // A call began here (docs/protocol.md, "Calls"): offer the way in at once.
  realtime.on("call.started", (frame) => {
    const link = document.getElementById("chat-call-live");
    if (frame.conversation_id !== conversationId || !link) return;
    document.querySelector(".chat-call:not(#chat-call-live)")?.remove();
    link.href = link.dataset.url.replace("CALL_ID", frame.call_id);
    link.hidden = false;
  });
  realtime.on("call.finished", (frame) => {
    if (frame.conversation_id !== conversationId) return;
    for (const link of document.querySelectorAll(".chat-call")) link.hidden = true;
  });

  // --- Start --------------------------------------------------------------------------------

  for (const item of messageItems()) finish(item);
  // "New since your last visit": before the first message someone else wrote after the read
  // marker the page was drawn with (fixed for this visit, as in Slack).
  if (readSeqAtLoad) {
    const first = storedItems().find((item) => Number(item.dataset.seq) > readSeqAtLoad && item.dataset.own !== "true");
    dividerSeq = first ? Number(first.dataset.seq) : null;
  }
  decorate();
  const firstNew = dividerSeq && list.querySelector(`li[data-seq="${dividerSeq}"]`);
  if (firstNew) scroller.scrollTop = firstNew.offsetTop - NEAR_EDGE_PX;
  else toBottom();
  setActive(messageItems().at(-1));
  // The bell may have opened the shared socket already, before this module ran.
  setStatus(realtime.state);
  if (realtime.state === "online") join();
  realtime.start();
}
