// The inbox: each conversation's unread badge follows the member's `unread` frames (direct and
// support conversations, mentions, read markers moving in other tabs), and the rooms' badges
// follow their new messages through a `watch` (docs/protocol.md, "Watching rooms").
import { realtime } from "./realtime.js";

const show = (conversationId, unread) => {
  const item = document.querySelector(`[data-conversation-id="${Number(conversationId)}"]`);
  const badge = item?.querySelector("[data-unread]");
  if (!badge || typeof unread !== "number") return;
  badge.querySelector("[data-unread-count]").textContent = String(unread);
  badge.hidden = !(unread > 0);
};
const rooms = [...document.querySelectorAll("[data-room][data-conversation-id]")].map(
  (item) => Number(item.dataset.conversationId),
);
const watch = () => {
  if (rooms.length) realtime.send({ type: "watch", conversation_ids: rooms });
};

realtime.on("unread", (frame) => show(frame.conversation_id, frame.unread));
realtime.on("room.unread", (frame) => show(frame.conversation_id, frame.unread));
realtime.on("watching", (frame) => {
  for (const [conversationId, unread] of Object.entries(frame.unread)) show(conversationId, unread);
});
realtime.on("open", watch);
if (realtime.state === "online") watch();
realtime.start();
