"""What a page's WebSockets receive, as the browser got them, for browser tests that must wait
for a frame the page shows nothing of."""


class SocketLog:
    """Every frame a page's WebSockets received, socket by socket, as the browser got them."""

    def __init__(self, page):
        self.page = page
        self.sockets: list[list[str]] = []
        page.on("websocket", self._opened)

    def _opened(self, socket) -> None:
        frames: list[str] = []
        self.sockets.append(frames)
        socket.on("framereceived", lambda payload: frames.append(payload))

    def frames(self) -> list[str]:
        return [frame for frames in self.sockets for frame in frames]

    def wait_until(self, condition, timeout_ms: int = 15000) -> None:
        # Playwright delivers the events while the page waits.
        for _ in range(timeout_ms // 50):
            if condition():
                return
            self.page.wait_for_timeout(50)
        raise AssertionError("the page's sockets never got there")
