"""What happens in community that the apps built on it act on: the one seam through which
community reaches them (docs/architecture.md, "Dependencies").

community owns people, groups and content and depends on no other app. When something here
must have effects elsewhere (a member told something, a membership ended so their room sockets
close, a support request accepted so its private thread opens, an account deleted so its
messages are erased), the service publishes an event; messaging and moderation subscribe in
their `AppConfig.ready()`.

Handlers run at once, in the publisher's thread and transaction, in the order they subscribed:
they may write their own rows (which commit or roll back with the publisher's) and defer
anything outside the database with `transaction.on_commit`. An event nobody subscribed to does
nothing.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

_handlers: dict[type, list[Callable]] = defaultdict(list)


def subscribe(event_type: type, handler: Callable) -> None:
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def publish(event) -> None:
    for handler in _handlers[type(event)]:
        handler(event)


@dataclass(frozen=True)
class MemberNotified:
    """Tell a member something in the app (the bell). The text never names a moderator, a
    flagger or anyone acting anonymously."""

    recipient_id: int
    kind: str
    # Or a function that builds it, run in the recipient's language (messaging.services.
    # notifications.notify): the actor may read the site in another one.
    text: str | Callable[[], str]
    url: str = ""


def notify_member(
    *, recipient_id: int, kind: str, text: str | Callable[[], str], url: str = ""
) -> None:
    publish(MemberNotified(recipient_id=recipient_id, kind=kind, text=text, url=url))


@dataclass(frozen=True)
class GroupOpened:
    """A group became active (created by staff, or its proposal approved): its live room
    opens with it."""

    group: object


@dataclass(frozen=True)
class MembershipEnded:
    """A member left a group, or was removed or banned: nothing of the group reaches them."""

    group_id: int
    user_id: int


@dataclass(frozen=True)
class MemberAccessChanged:
    """Something that decides what a member may do changed (a role in a group, a mute)."""

    user_id: int


@dataclass(frozen=True)
class SupportRequestAccepted:
    """An advocate took a request: its private thread between the two opens."""

    support_request: object


@dataclass(frozen=True)
class SupportRequestHandedOver:
    """Another advocate takes over a request: the thread passes to them."""

    support_request: object
    advocate_user_id: int


@dataclass(frozen=True)
class MemberDataExported:
    """A member asked for everything of theirs: each app adds its own files to `files`
    (archive path → JSON-ready data)."""

    user: object
    files: dict = field(default_factory=dict)


@dataclass(frozen=True)
class MemberAccountDeleting:
    """An account is about to be deleted (in the same transaction): with
    `delete_contributions`, what the member wrote elsewhere is erased too."""

    user_id: int
    delete_contributions: bool
