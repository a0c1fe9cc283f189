// The notification bell in the navigation: its unread count follows the member's personal
// socket channel, and new notifications are announced politely to screen readers.
import { realtime } from "./realtime.js";

const bell = document.getElementById("notification-bell");
if (bell) {
  const count = document.getElementById("notification-count");
  const announcer = document.getElementById("notification-announcer");
  const show = (unread) => {
    count.textContent = unread > 0 ? String(unread) : "";
    count.hidden = !(unread > 0);
    bell.dataset.unread = String(unread);
  };
  realtime.on("hello", (frame) => show(frame.unread_notifications));
  realtime.on("notification", (frame) => {
    show(frame.unread_notifications);
    const line = document.createElement("p");
    line.textContent = frame.notification.text;
    announcer.replaceChildren(line);
  });
  realtime.start();
}
