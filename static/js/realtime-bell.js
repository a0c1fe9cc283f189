// The navigation's live counts: the notification bell's unread notifications (new ones are
// announced politely to screen readers) and the Messages link's unread messages (direct and
// support conversations, and mentions in rooms: docs/protocol.md, `unread`).
import { realtime } from "./realtime.js";

const bell = document.getElementById("notification-bell");
const messagesCount = document.getElementById("messages-count");

const showMessages = (unread) => {
  if (!messagesCount || typeof unread !== "number") return;
  messagesCount.querySelector("[data-count]").textContent = String(unread);
  messagesCount.hidden = !(unread > 0);
};

if (bell) {
  const count = document.getElementById("notification-count");
  const announcer = document.getElementById("notification-announcer");
  const show = (unread) => {
    count.querySelector("[data-count]").textContent = String(unread);
    count.hidden = !(unread > 0);
    bell.dataset.unread = String(unread);
  };
  realtime.on("hello", (frame) => {
    show(frame.unread_notifications);
    showMessages(frame.unread_messages);
  });
  realtime.on("notification", (frame) => {
    show(frame.unread_notifications);
    const line = document.createElement("p");
    line.textContent = frame.notification.text;
    announcer.replaceChildren(line);
  });
  realtime.on("unread", (frame) => showMessages(frame.total));
  realtime.start();
}
