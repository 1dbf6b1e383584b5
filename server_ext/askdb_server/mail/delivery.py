"""The server's background delivery: a tornado PeriodicCallback that runs
``EmailOutbox.deliver_due`` on a worker thread (smtplib blocks)."""

from __future__ import annotations

import asyncio
import logging

from tornado.ioloop import PeriodicCallback

from .outbox import EmailOutbox


class OutboxDeliverer:
    """Delivers due emails every ``interval_s`` seconds while the server runs."""

    def __init__(self, outbox: EmailOutbox, interval_s: float, log: logging.Logger) -> None:
        self.outbox = outbox
        self.log = log
        self._running: asyncio.Future | None = None
        self._callback = PeriodicCallback(self._tick, interval_s * 1000)

    def start(self) -> None:
        """Start the periodic delivery (again: a no-op); needs a running event loop."""
        if not self._callback.is_running():
            self._callback.start()

    def stop(self) -> None:
        self._callback.stop()

    async def _tick(self) -> None:
        if self._running is not None and not self._running.done():
            return  # the previous pass is still sending; never two at once
        loop = asyncio.get_running_loop()
        self._running = loop.run_in_executor(None, self.outbox.deliver_due)
        try:
            result = await self._running
        except Exception:  # the store was unreachable: try again on the next tick
            self.log.exception("AskDB: email delivery failed")
            return
        if result.sent or result.failed or result.given_up:
            self.log.info(
                "AskDB mail: %d sent, %d to retry, %d given up",
                result.sent,
                result.failed,
                result.given_up,
            )
