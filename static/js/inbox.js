// The inbox: each conversation's unread badge follows the `unread` frames of the member's
// personal channel (docs/protocol.md). Rooms change here only when the member is mentioned
// (docs/decisions/0013-unread-counts.md).
import { realtime } from "./realtime.js";

realtime.on("unread", (frame) => {
  const item = document.querySelector(`[data-conversation-id="${Number(frame.conversation_id)}"]`);
  const badge = item?.querySelector("[data-unread]");
  if (!badge) return;
  badge.querySelector("[data-unread-count]").textContent = String(frame.unread);
  badge.hidden = !(frame.unread > 0);
});
realtime.start();
