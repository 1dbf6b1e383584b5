"""Rate limits per API key and per client address: GCRA, one statement per request.

GCRA keeps one number per bucket, the theoretical arrival time (TAT). With ``limit`` requests
per ``period`` seconds, each request moves the TAT by T = period / limit; a request is allowed
when the new TAT is at most ``period`` ahead of now (a full burst of ``limit``). The check and
the move are one upsert::

    INSERT ... VALUES (:bucket, :now + T)
    ON CONFLICT (bucket) DO UPDATE SET tat = max(tat, :now) + T
    WHERE max(tat, :now) + T - :now <= :period RETURNING tat

so concurrent processes serialize on the row and never over-admit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..errors import RateLimitedError
from ..store.db import Store
from ..store.models import RateLimitState

WINDOW = 60.0  # seconds: AskDB's rate limits are requests per minute


@dataclass(frozen=True)
class RateResult:
    """The state of one limit after a request: for the RateLimit-* headers."""

    limit: int
    remaining: int
    reset: int  # seconds until the bucket is full again

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(self.remaining),
            "RateLimit-Reset": str(self.reset),
        }


class RateLimiter:
    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock
        pg = store.engine.dialect.name == "postgresql"
        self._insert = postgresql.insert if pg else sqlite.insert
        self._max = func.greatest if pg else func.max

    def hit(
        self, bucket: str, limit: int, period: float, name: str, s: Session | None = None
    ) -> RateResult | None:
        """Count one request on ``bucket`` (``limit`` per ``period`` seconds; 0: no limit) or
        raise RateLimitedError naming the limit ``name``; in session ``s`` when given."""
        if limit <= 0:
            return None
        if s is None:
            with self.store.session() as own:
                return self.hit(bucket, limit, period, name, own)
        now, step = self.clock(), period / limit
        table = RateLimitState.__table__
        new_tat = self._max(table.c.tat, now) + step
        stmt = (
            self._insert(table)
            .values(bucket=bucket, tat=now + step)
            .on_conflict_do_update(
                index_elements=["bucket"],
                set_={"tat": new_tat},
                where=new_tat - now <= period + 1e-9,
            )
            .returning(table.c.tat)
        )
        tat = s.execute(stmt).scalar()
        if tat is not None:
            return admitted(tat, now, limit, period)
        current = s.scalar(select(table.c.tat).where(table.c.bucket == bucket))
        raise refused(current, now, limit, period, name)


def admitted(tat: float, now: float, limit: int, period: float) -> RateResult:
    """The state of a bucket whose request was let through: its TAT moved to ``tat``."""
    step, ahead = period / limit, tat - now
    return RateResult(limit, max(0, int((period - ahead) // step)), math.ceil(ahead))


def refused(current: float, now: float, limit: int, period: float, name: str) -> RateLimitedError:
    """The error for a request refused by a bucket whose TAT is ``current``."""
    step = period / limit
    retry = max(1, math.ceil(current + step - period - now))
    result = RateResult(limit, 0, math.ceil(current - now))
    error = RateLimitedError(
        f"Rate limit {name} ({limit} requests per {period:g} s) reached: retry in {retry} s.",
        limit=name,
        retry_after=retry,
    )
    error.headers = result.headers()  # response headers, not details of the body
    return error
