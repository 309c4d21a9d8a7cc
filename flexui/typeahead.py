"""Keys typed ahead reach the screen they were typed for, in order.

Textual hands every key to whatever has focus when the key is read, before
the keys read earlier have been handled. Typed quickly (or pasted), `/lwip`
went `/` to the menu and `lwip` to the menu too, which had already opened
the search: the search lost its first letters, and `b800k⏎` on the Safety
screen loaded a configuration instead of setting the budget. So each key is
handed on only once the one before it is settled (it has travelled up from
the focused widget to the app, or been stopped on the way), and not while a
screen it opened is still being shown.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from textual import events
from textual.app import App
from textual.message_pump import MessagePump

SHOW_TIMEOUT = 5.0  # seconds: a screen that never mounts or a key never handled must not hold the rest


class TypeaheadApp(App):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed: deque[events.Key] = deque()
        self._in_flight = False  # a key handed on and not yet settled
        self._showing = 0  # screens being shown: keys wait while this is not 0
        self._waits: set[asyncio.Task[None]] = set()  # kept referenced until done

    def push_screen(self, *args: Any, **kwargs: Any) -> Any:
        shown = super().push_screen(*args, **kwargs)
        if not kwargs.get("wait_for_dismiss"):
            self._hold_until_shown(shown)
        return shown

    def switch_mode(self, mode: str) -> Any:
        shown = super().switch_mode(mode)
        self._hold_until_shown(shown)
        return shown

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key) and not event.is_forwarded:
            self._typed.append(event)
            await self._hand_on()
            return
        await super().on_event(event)

    async def _hand_on(self) -> None:
        while self._typed and not self._in_flight and not self._showing:
            key = self._typed.popleft()
            receiver = self.focused or self.screen  # where Textual sends it
            self._in_flight = True
            await super().on_event(key)
            self._wait(self._settle(receiver))

    async def _settle(self, receiver: MessagePump) -> None:
        """Wait until each node from the receiver up to the app has handled what it was sent."""

        async def up_the_chain() -> None:
            node: MessagePump | None = receiver
            while node is not None:
                await _drained(node)
                node = node._parent

        try:
            await asyncio.wait_for(up_the_chain(), SHOW_TIMEOUT)
        finally:
            self.call_later(self._settled)

    async def _settled(self) -> None:
        self._in_flight = False
        await self._hand_on()

    def _hold_until_shown(self, shown: Any) -> None:
        self._showing += 1

        async def until_shown() -> None:
            async def mounted() -> None:
                await shown

            try:
                await asyncio.wait_for(mounted(), SHOW_TIMEOUT)
            finally:
                # Behind the screen's own focus request in the queue: the keys go where it put focus.
                self.call_later(self._shown)

        self._wait(until_shown())

    async def _shown(self) -> None:
        self._showing -= 1
        await self._hand_on()

    def _wait(self, waiting: Any) -> None:
        task = asyncio.get_running_loop().create_task(waiting)
        self._waits.add(task)
        task.add_done_callback(self._waits.discard)


async def _drained(node: MessagePump) -> None:
    """Return once `node` has handled every message queued before this call (at once if it is closed)."""
    done = asyncio.Event()
    if node.call_later(done.set):
        await done.wait()
