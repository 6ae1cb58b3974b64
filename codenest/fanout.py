"""One channel-layer subscription per process and group, fanned out to the process's own sockets.

With every socket in the layer group itself, a message to a room of 1,000 sockets costs 1,000 list
pushes in Redis, 1,000 messages through channels_redis's receive (whose waiters all race for one
lock) and 1,000 dispatches, before anything is written to a socket (bench/chat_fanout.py, issue 16).
Here a process subscribes to a group once, on a channel of its own, and a reader task hands each
event to the local sockets of that group in turn: the layer carries one message per process, and
the sockets' handlers can share one encoded frame (FanOutJsonWebsocketConsumer.send_shared).

Group names and the events themselves are unchanged: senders still `group_send` to the group, and
a socket that is not in the hub (another consumer class) still gets them through the layer.

Each group is read on its own channel, so an event needs no group name and a group that empties
and fills again gets a fresh channel: its old subscription can be dropped while the new one is
added, in any order. The hub lives per channel layer and event loop (tests run one loop each).
"""

import asyncio
import logging
import weakref
from dataclasses import dataclass, field
from typing import Any, Protocol

logger = logging.getLogger(__name__)

# channels_redis forgets a group member after `group_expiry` (a day by default); a subscription
# that outlives many sockets is renewed well before that.
RENEW_SECONDS = 3600.0
# After the layer fails (Redis restarting), wait this long before reading again.
RETRY_SECONDS = 1.0


class Subscriber(Protocol):
    async def deliver(self, event: dict[str, Any]) -> None: ...


@dataclass(eq=False)
class _Subscription:
    channel: str = ""
    members: "weakref.WeakSet[Any]" = field(default_factory=weakref.WeakSet)
    ready: asyncio.Task | None = None  # the group_add; every joiner waits for it
    reader: asyncio.Task | None = None
    renewer: asyncio.Task | None = None
    closed: bool = False


class GroupHub:
    """The groups this process's sockets are in, each read once from the channel layer."""

    def __init__(self, layer: Any) -> None:  # a channels BaseChannelLayer (untyped)
        self.layer = layer
        self.subscriptions: dict[str, _Subscription] = {}
        self._unsubscribing: set[asyncio.Task] = set()  # strong references until each is done

    def members(self, group: str) -> list[Any]:
        subscription = self.subscriptions.get(group)
        return list(subscription.members) if subscription else []

    async def join(self, group: str, member: Subscriber) -> None:
        """Deliver the group's events to `member` from when this returns (the subscription is in place)."""
        subscription = self.subscriptions.get(group)
        if subscription is None:
            subscription = self.subscriptions[group] = _Subscription()
            subscription.ready = asyncio.create_task(self._subscribe(group, subscription))
        subscription.members.add(member)
        try:
            # shield: a socket that closes while waiting must not cancel the others' subscription
            await asyncio.shield(subscription.ready)  # type: ignore[arg-type]  # set just above
        except Exception:
            subscription.members.discard(member)
            raise

    def leave(self, group: str, member: Subscriber) -> None:
        """Deliver nothing more to `member`; the last member out drops the subscription in the background.

        Not awaited, so it also works from a socket's task that is being cancelled, and 1,000 sockets
        closing at once cost one group_discard, not 1,000 (the group's channel is the hub's own, so
        a new subscription for the same group never waits for the old one to go).
        """
        subscription = self.subscriptions.get(group)
        if subscription is None:
            return
        subscription.members.discard(member)
        if len(subscription.members) == 0:
            self._forget(group, subscription)
            task = asyncio.create_task(self._unsubscribe(group, subscription))
            self._unsubscribing.add(task)
            task.add_done_callback(self._unsubscribing.discard)

    async def _subscribe(self, group: str, subscription: _Subscription) -> None:
        try:
            # The default prefix: channels_redis reads all of a process's channels from one list.
            subscription.channel = await self.layer.new_channel()
            await self.layer.group_add(group, subscription.channel)
        except BaseException:
            # The next joiner tries again; this one's join raises, as group_add would have.
            if self.subscriptions.get(group) is subscription:
                del self.subscriptions[group]
            raise
        if self.subscriptions.get(group) is subscription:  # not left while group_add ran
            subscription.reader = asyncio.create_task(self._read(group, subscription))
            subscription.renewer = asyncio.create_task(self._renew(group, subscription))

    def _forget(self, group: str, subscription: _Subscription) -> None:
        if self.subscriptions.get(group) is subscription:
            del self.subscriptions[group]
        # The flag as well as the cancel: Python 3.11's asyncio can swallow a cancellation that meets
        # a receive() just completing, and the reader must not go on reading a dropped channel.
        subscription.closed = True
        for task in (subscription.reader, subscription.renewer):
            if task is not None:
                task.cancel()

    async def _unsubscribe(self, group: str, subscription: _Subscription) -> None:
        if subscription.ready is not None and not subscription.ready.done():
            await asyncio.wait([subscription.ready])
        if subscription.channel:
            try:
                await self.layer.group_discard(group, subscription.channel)
            except Exception:  # the membership expires by itself; nothing is delivered to it meanwhile
                logger.warning("fan-out: leaving group %s failed", group, exc_info=True)

    async def _read(self, group: str, subscription: _Subscription) -> None:
        while not subscription.closed:
            try:
                event = await self.layer.receive(subscription.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                if asyncio.current_task().cancelling():  # type: ignore[union-attr]  # in a task
                    raise  # a client library that turned the cancellation into its own error
                logger.exception("fan-out: reading group %s failed; retrying", group)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            if not subscription.closed:
                await self._hand_out(group, subscription, event)

    async def _renew(self, group: str, subscription: _Subscription) -> None:
        while not subscription.closed:
            await asyncio.sleep(RENEW_SECONDS)
            try:
                await self.layer.group_add(group, subscription.channel)
            except Exception:
                logger.warning("fan-out: renewing group %s failed", group, exc_info=True)

    async def _hand_out(self, group: str, subscription: _Subscription, event: dict[str, Any]) -> None:
        # One after the other, in order: each socket gets the group's events in the order sent.
        for member in list(subscription.members):
            try:
                await member.deliver(event)
            except Exception:  # one socket's failure is not the others'
                logger.exception("fan-out: delivering %r of group %s failed", event.get("type"), group)


_hubs: "weakref.WeakKeyDictionary[Any, dict[asyncio.AbstractEventLoop, GroupHub]]" = weakref.WeakKeyDictionary()


def hub_for(layer) -> GroupHub:
    """This event loop's hub over `layer` (one per process in production)."""
    loop = asyncio.get_running_loop()
    per_loop = _hubs.setdefault(layer, {})
    for stale in [other for other in per_loop if other.is_closed()]:
        del per_loop[stale]
    hub = per_loop.get(loop)
    if hub is None:
        hub = per_loop[loop] = GroupHub(layer)
    return hub
