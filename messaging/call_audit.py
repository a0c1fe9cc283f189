"""The seam through which call host actions reach moderation's audit log. messaging may not
import moderation (docs/architecture.md, "Dependencies"), so moderation registers its
recorder here in its `AppConfig.ready()`; every host action calls `record_host_action` inside
its transaction, once per change (STYLE.md: every moderation action writes one audit row)."""

_recorder = None


def register(recorder) -> None:
    """`recorder(*, actor, call, action, target_user_id)`; `action` is one of ACTIONS."""
    global _recorder
    _recorder = recorder


# The host actions, as the audit log names them.
ACTIONS = (
    "call_admit",
    "call_turn_away",
    "call_lock",
    "call_unlock",
    "call_mute",
    "call_ask_unmute",
    "call_stop_video",
    "call_allow_video",
    "call_allow_screen",
    "call_stop_screen",
    "call_remove",
    "call_end",
    "call_hand_host",
)


def record_host_action(*, actor, call, action: str, target_user_id: int | None) -> None:
    if action not in ACTIONS:
        raise ValueError(action)
    if _recorder is not None:
        _recorder(actor=actor, call=call, action=action, target_user_id=target_user_id)
