// One WebSocket per page to /ws/chat/ (docs/protocol.md), shared by every module that imports
// this one: the notification bell and, on conversation pages, the chat. Reconnects with
// exponential backoff and jitter; listeners re-join on "open" and resume from their last id.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000, 30000];
const PING_EVERY_MS = 25000;
export const CLOSE_SESSION_ENDED = 4001;
export const CLOSE_ACCESS_ENDED = 4003;

class RealtimeConnection {
  constructor(path) {
    this.path = path;
    this.socket = null;
    this.attempt = 0;
    this.state = "idle";
    this.stopped = false;
    this.listeners = new Map();
    this.retryTimer = null;
    this.pingTimer = null;
  }

  start() {
    if (this.state !== "idle") return;
    window.addEventListener("online", () => this.reconnectNow());
    window.addEventListener("offline", () => this.socket?.close());
    this.open();
  }

  on(type, listener) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(listener);
  }

  emit(type, detail) {
    for (const listener of this.listeners.get(type) || []) {
      try {
        listener(detail);
      } catch (error) {
        console.warn("realtime listener failed", error);
      }
    }
  }

  setState(state) {
    this.state = state;
    this.emit("state", { state });
  }

  open() {
    this.setState("connecting");
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    const socket = new WebSocket(`${scheme}//${window.location.host}${this.path}`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      this.setState("online");
      this.emit("open", {});
      this.pingTimer = window.setInterval(() => this.send({ type: "ping" }), PING_EVERY_MS);
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") this.emit(frame.type, frame);
    });
    socket.addEventListener("close", (event) => {
      window.clearInterval(this.pingTimer);
      if (this.socket === socket) this.socket = null;
      if (event.code === CLOSE_SESSION_ENDED) {
        this.stopped = true;
        this.setState("signed-out");
        return;
      }
      if (event.code === CLOSE_ACCESS_ENDED) this.emit("access-ended", {});
      this.setState("offline");
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    // Offline: wait for the browser's "online" event instead of failing attempts.
    if (this.stopped || navigator.onLine === false) return;
    const base = BACKOFF_MS[Math.min(this.attempt, BACKOFF_MS.length - 1)];
    this.attempt += 1;
    window.clearTimeout(this.retryTimer);
    this.retryTimer = window.setTimeout(() => this.open(), base / 2 + Math.random() * (base / 2));
  }

  reconnectNow() {
    if (this.socket || this.stopped) return;
    window.clearTimeout(this.retryTimer);
    this.open();
  }

  send(frame) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }
}

export const realtime = new RealtimeConnection("/ws/chat/");
