from __future__ import annotations

import random

import pytest

from megfile_core.errors import MaxRetriesExceededError
from megfile_core.retry import RetryPolicy, retrying


class Flaky(Exception):
    pass


def _policy(attempts=5, **kwargs):
    sleeps: list[float] = []
    policy = RetryPolicy(
        attempts,
        should_retry=lambda e: isinstance(e, Flaky),
        sleep=sleeps.append,
        rng=random.Random(1),
        **kwargs,
    )
    return policy, sleeps


def test_succeeds_after_transient_errors():
    policy, sleeps = _policy()
    calls = []

    def op():
        calls.append(1)
        if len(calls) < 3:
            raise Flaky("503")
        return "ok"

    assert policy.call(op) == "ok"
    assert len(calls) == 3
    assert len(sleeps) == 2


def test_gives_up_with_the_last_error():
    policy, sleeps = _policy(attempts=4)
    with pytest.raises(MaxRetriesExceededError) as info:
        policy.call(lambda: (_ for _ in ()).throw(Flaky("slow down")))
    assert isinstance(info.value.error, Flaky)
    assert info.value.retries == 4
    assert isinstance(info.value, OSError)
    assert len(sleeps) == 3


def test_non_retryable_errors_pass_through_at_once():
    policy, sleeps = _policy()
    with pytest.raises(KeyError):
        policy.call(lambda: {}["x"])
    assert sleeps == []


def test_backoff_grows_with_full_jitter_and_cap():
    policy = RetryPolicy(10, base=0.1, cap=2.0, rng=random.Random(3))
    for attempt in range(10):
        bound = min(2.0, 0.1 * 2**attempt)
        samples = [policy.backoff(attempt) for _ in range(200)]
        assert all(0 <= s <= bound for s in samples)
        assert max(samples) > bound * 0.8  # really spread over the range


def test_on_retry_hook_and_decorator():
    seen = []
    policy, _ = _policy(on_retry=lambda e, n: seen.append(n))
    state = {"n": 0}

    @retrying(policy)
    def op(x):
        state["n"] += 1
        if state["n"] < 3:
            raise Flaky
        return x * 2

    assert op(21) == 42
    assert seen == [1, 2]
    assert op.__name__ == "op"


def test_attempts_must_be_positive():
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(0)
