"""The HTTP protocol `faceright serve` runs uvicorn with: uvicorn's h11 protocol, plus a bound on
how long a connection may take to send a request's head.

uvicorn times out an idle connection only after a response (``timeout_keep_alive``); a client
that connects and sends nothing, or half a request line, or headers without their end, would
hold the connection for ever. :class:`BoundedH11Protocol` closes such a connection
:data:`HEAD_TIMEOUT` seconds after it opened or after its last response ended, unless a whole
request head has arrived. (The body's own bounds, 408 after a pause, are in ``faceright.web``.)
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

#: seconds a connection may take to send a whole request head (request line and headers)
HEAD_TIMEOUT = 10.0


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request head is late (see module)."""

    head_timeout = HEAD_TIMEOUT

    def connection_made(self, transport: Any) -> None:  # uvicorn's own signature
        super().connection_made(transport)
        self._head_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(self.head_timeout, self._head_late)

    def _head_late(self) -> None:
        self._head_timer = None
        # IDLE: no complete request head since the connection opened or the last response
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        super().connection_lost(exc)
