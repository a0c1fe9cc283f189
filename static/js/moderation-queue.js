// Live review queue: when the server says the queue changed, fetch the queue fragment
// through the normal (permission-checked) page and swap it in. Frames carry only an item id.
const container = document.querySelector("[data-live-queue]");
const status = document.getElementById("queue-live-status");

async function refresh(urgent) {
  const response = await fetch(container.dataset.liveQueue, { credentials: "same-origin" });
  if (!response.ok) return;
  container.innerHTML = await response.text();
  status.textContent = urgent
    ? container.dataset.urgentText
    : container.dataset.updatedText;
}

function connect(delay) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/moderation/`);
  socket.addEventListener("open", () => { delay = 1000; container.dataset.live = "on"; });
  socket.addEventListener("message", (event) => {
    const frame = JSON.parse(event.data);
    if (frame.type === "queue.changed") refresh(frame.urgent);
  });
  socket.addEventListener("close", (event) => {
    container.dataset.live = "off";
    if (event.code === 4401 || event.code === 4403) return;
    setTimeout(() => connect(Math.min(delay * 2, 30000)), delay);
  });
}

if (container) connect(1000);
