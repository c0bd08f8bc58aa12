"""Retries with exponential backoff and full jitter, shared by every backend.

A backend supplies the predicate that says which errors are worth another try
(throttling, resets, timeouts ...); this module decides how long to wait and when to
give up. Sleeping is injectable so tests run instantly.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from megfile_core.errors import MaxRetriesExceededError

__all__ = ["RetryPolicy", "retry_call", "retrying"]

T = TypeVar("T")
_log = logging.getLogger("megfile_core.retry")


class RetryPolicy:
    """How often and how long to retry.

    :param attempts: calls in total, the first included (``MEGFILE_*_MAX_RETRY_TIMES``).
    :param base: first backoff in seconds; doubles each time up to ``cap``.
    :param should_retry: ``should_retry(error) -> bool``; only these are retried.
    :param on_retry: called as ``on_retry(error, attempt)`` before each new try
        (a backend resets its connection or rewinds a request body here).
    :param sleep: the sleep function (tests pass a fake).
    """

    def __init__(
        self,
        attempts: int = 10,
        *,
        base: float = 0.1,
        cap: float = 30.0,
        should_retry: Callable[[BaseException], bool] = lambda error: False,
        on_retry: Callable[[BaseException, int], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, got {attempts}")
        self.attempts = attempts
        self.base = base
        self.cap = cap
        self.should_retry = should_retry
        self.on_retry = on_retry
        self.sleep = sleep
        self._rng = rng  # None: the random module's own (no new generator to seed)

    def backoff(self, attempt: int) -> float:
        """Full jitter: a uniform wait in ``[0, min(cap, base * 2**attempt)]``."""
        rng = self._rng if self._rng is not None else random
        return rng.uniform(0, min(self.cap, self.base * (2**attempt)))

    def call(self, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        attempt = 0
        while True:
            try:
                return func(*args, **kwargs)
            except Exception as error:
                attempt += 1
                if not self.should_retry(error):
                    raise
                if attempt >= self.attempts:
                    if self.attempts == 1:
                        raise
                    raise MaxRetriesExceededError(error, attempt) from error
                delay = self.backoff(attempt - 1)
                _log.debug(
                    "retry %d/%d of %s after %s: %.2fs",
                    attempt,
                    self.attempts,
                    getattr(func, "__name__", func),
                    type(error).__name__,
                    delay,
                )
                self.sleep(delay)
                if self.on_retry is not None:
                    self.on_retry(error, attempt)


def retry_call(policy: RetryPolicy, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return policy.call(func, *args, **kwargs)


def retrying(policy: RetryPolicy) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Decorator form of :meth:`RetryPolicy.call`."""

    def decorate(func: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> T:
            return policy.call(func, *args, **kwargs)

        return wrapper

    return decorate
