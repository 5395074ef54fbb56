"""The flow controller on a fake clock: every answer is evidence, and no test sleeps."""

from __future__ import annotations

import pytest

from aiml_embeddings.flow.concurrency import INITIAL
from aiml_embeddings.flow.controller import POLL_MAX, FlowController, Ticket
from aiml_embeddings.flow.rate import duration
from aiml_embeddings.flow.retry_budget import RETRY_BURST

from ..clock import Clock


def go(controller: FlowController, cost: int = 100) -> Ticket:
    ticket = controller.admit(cost)
    assert isinstance(ticket, Ticket), f"expected to be admitted, told to wait {ticket}"
    return ticket


def wait(controller: FlowController, cost: int = 100) -> float:
    answer = controller.admit(cost)
    assert isinstance(answer, float), "expected to wait, was admitted"
    return answer


# --- pauses and probes --------------------------------------------------------


def test_a_hinted_429_pauses_everyone_then_one_probe_then_the_window_widens() -> None:
    clock = Clock()
    control = FlowController(32, requests_per_minute=10_000, clock=clock)  # a quota set: no learned pace
    tickets = [go(control) for _ in range(4)]
    clock.now += 0.1
    control.answered(tickets[0], "rate_limited", retry_after=2.0)
    assert wait(control) == pytest.approx(2.0)  # nobody goes during the pause...
    for other in tickets[1:]:  # ...and the others' answers, sent before it, do not reopen it
        control.answered(other, "ok")
    assert wait(control) == pytest.approx(2.0)
    clock.now += 2.0
    probe = go(control)
    assert wait(control) == POLL_MAX or wait(control) < POLL_MAX  # only the probe is out
    clock.now += 0.1
    control.answered(probe, "ok")
    pair = [go(control), go(control)]
    assert isinstance(control.admit(100), float)  # the window doubled to two, not to every slot
    for ticket in pair:
        control.answered(ticket, "ok")
    assert len([go(control) for _ in range(4)]) == 4
    assert control.counts.rate_limited == 1 and control.counts.pauses == 1


def test_a_probe_refused_again_pauses_again() -> None:
    clock = Clock()
    control = FlowController(8, clock=clock)
    control.answered(go(control), "rate_limited", retry_after=1.0)
    clock.now += 1.0
    control.answered(go(control), "rate_limited", retry_after=3.0)
    assert wait(control) == pytest.approx(3.0)
    assert control.counts.pauses == 2


def test_unhinted_429s_back_off_jittered_and_growing() -> None:
    clock = Clock()
    control = FlowController(1, clock=clock)
    pauses = []
    for _ in range(4):
        control.answered(go(control), "rate_limited")
        pause = wait(control)
        pauses.append(pause)
        clock.now += pause
    for n, pause in enumerate(pauses):
        assert 0.25 * 2**n <= pause <= 0.5 * 2**n


# --- concurrency ----------------------------------------------------------------


def test_a_concurrency_refusal_lowers_the_limit_and_pauses_no_one() -> None:
    clock = Clock()
    control = FlowController(32, clock=clock)
    first = [go(control) for _ in range(INITIAL)]
    assert isinstance(control.admit(100), float)  # the initial limit, not the ceiling
    clock.now += 0.01
    for refused in first[4:]:  # a server that serves 4 at once refuses the other 4, without Retry-After
        control.answered(refused, "rate_limited")
    assert control.limit == 4
    assert control.counts.concurrency_refusals == 4 and control.counts.pauses == 0
    clock.now += 0.1
    control.answered(first[0], "ok")
    assert isinstance(control.admit(100), Ticket)  # a freed slot is used at once: no pause for anyone


def test_probing_above_a_refused_limit_waits_for_successes() -> None:
    clock = Clock()
    control = FlowController(32, clock=clock)
    tickets = [go(control) for _ in range(5)]
    control.answered(tickets[4], "rate_limited")  # 5 in flight was too many
    limit = control.limit
    assert limit == 4
    clock.now += 0.1
    for ticket in tickets[:4]:
        control.answered(ticket, "ok")
    for _ in range(8):  # a few rounds at the limit: it holds
        round_ = [go(control) for _ in range(4)]
        clock.now += 0.1
        for ticket in round_:
            control.answered(ticket, "ok")
    assert control.limit < 6  # grows back slowly, not by doubling
    assert control.limit > limit  # but it does probe above, eventually


def test_the_limit_grows_one_per_round_while_latency_is_flat_up_to_the_ceiling() -> None:
    clock = Clock()
    control = FlowController(12, clock=clock)
    limits = []
    for _ in range(8):
        tickets = [go(control) for _ in range(int(control.limit))]
        clock.now += 0.1
        for ticket in tickets:
            control.answered(ticket, "ok")
        limits.append(int(control.limit))
    steps = [b - a for a, b in zip([INITIAL, *limits], limits, strict=False)]
    assert all(0 <= step <= 1 for step in steps) and limits[-1] == 12  # not doubling: refused together


def test_rising_latency_shrinks_the_limit() -> None:
    clock = Clock()
    control = FlowController(32, clock=clock)
    for latency in (0.1, 0.1, 0.1, 0.5, 0.5, 0.5, 0.5, 0.5):
        tickets = [go(control) for _ in range(int(control.limit))]
        clock.now += latency
        for ticket in tickets:
            control.answered(ticket, "ok")
    assert control.limit < 16  # it grew to 16 and more while flat, then the queueing server cut it


def test_hints_and_refusals_with_nothing_else_in_flight_are_rate_not_concurrency() -> None:
    clock = Clock()
    control = FlowController(8, clock=clock)
    tickets = [go(control) for _ in range(4)]
    for ticket in tickets:
        clock.now += 0.1
        control.answered(ticket, "ok")  # 4 at once succeeded
    control.answered(go(control), "rate_limited")  # refused alone: no concurrency limit explains it
    assert control.counts.concurrency_refusals == 0 and control.counts.pauses == 1
    clock.now += 1.0
    tickets = [go(control)]
    control.answered(tickets[0], "rate_limited", retry_after=2.0)  # a hint is the rate, whatever is out
    assert control.counts.concurrency_refusals == 0 and control.counts.pauses == 2
    assert control.limit >= 4


def test_a_concurrency_refusal_is_cleared_by_a_later_request_that_succeeds() -> None:
    clock = Clock()
    control = FlowController(32, clock=clock)
    wave = [go(control) for _ in range(INITIAL)]
    clock.now += 0.01
    control.answered(wave[-1], "rate_limited")  # read as concurrency: the limit is cut, nobody pauses
    clock.now += 0.1
    control.answered(wave[0], "ok")
    later = go(control)  # sent after the refusal...
    clock.now += 0.1
    control.answered(later, "ok")  # ...and served: the lowered limit holds, it was concurrency
    for ticket in wave[1:-1]:
        control.answered(ticket, "ok")
    probe = [go(control) for _ in range(int(control.limit))]
    control.answered(probe[-1], "rate_limited")  # a later refusal starts over as concurrency
    assert control.counts.concurrency_refusals == 2 and control.counts.pauses == 0


def test_after_an_unhinted_429_one_request_tells_concurrency_from_rate_while_the_rest_wait() -> None:
    clock = Clock()
    control = FlowController(32, clock=clock)
    wave = [go(control) for _ in range(INITIAL)]
    clock.now += 0.01
    control.answered(wave[-1], "rate_limited")  # read as concurrency for now
    clock.now += 0.1
    for ticket in wave[:3]:
        control.answered(ticket, "ok")  # sent before the 429: their answers tell nothing
    test = go(control)
    assert isinstance(control.admit(100), float)  # free slots, but the others wait for the test's answer
    assert control.admit_hedge(100) is None  # nor do copies go
    clock.now += 0.1
    control.answered(test, "ok")  # served: it was concurrency, the slots open again
    assert len([go(control) for _ in range(2)]) == 2


def test_a_request_sent_after_a_concurrency_refusal_and_refused_too_means_the_rate_is_spent() -> None:
    clock = Clock()
    control = FlowController(32, clock=clock)
    wave = [go(control) for _ in range(INITIAL)]
    clock.now += 0.01
    control.answered(wave[-1], "rate_limited")  # ambiguous at first: read as concurrency, the limit is cut
    assert control.counts.concurrency_refusals == 1 and control.limit == INITIAL - 1
    clock.now += 0.3
    control.answered(wave[0], "ok")  # sent before the refusal: says nothing of it
    retry = go(control)
    clock.now += 0.01
    control.answered(retry, "rate_limited")  # refused too, with fewer in flight: an empty bucket, not a limit
    assert control.counts.concurrency_refusals == 1 and control.counts.pauses == 1
    assert isinstance(control.admit(100), float)


# --- rates ----------------------------------------------------------------------


def test_a_guess_from_too_few_requests_is_not_a_measurement() -> None:
    clock = Clock()
    control = FlowController(8, clock=clock)
    control.answered(go(control, 1000), "rate_limited")
    clock.now += 1
    control.answered(go(control, 1000), "ok")
    clock.now += wait(control, 1000)  # the first guess paces the next request from the probe's departure
    control.answered(go(control, 1000), "rate_limited")  # one request in 2 s: off by up to a request either way
    assert control.learned.rate is not None and not control.learned.measured


def test_the_rate_a_server_grants_is_learned_from_its_429s() -> None:
    clock = Clock()
    control = FlowController(8, clock=clock)
    control.answered(go(control, 1000), "rate_limited")  # empty: the first 429 says "too fast", not how fast
    for _ in range(4):  # the server then admits 1,000 tokens every 2 s
        clock.now += 2
        control.answered(go(control, 1000), "ok")
    clock.now += 2
    control.answered(go(control, 1000), "rate_limited")  # and refuses again: 4,000 tokens got through in 10 s
    learned = control.learned.rate
    assert learned is not None and 0.95 * 400 <= learned <= 400
    assert control.learned.measured
    clock.now += 10
    control.answered(go(control, 1000), "ok")  # the probe after the pause
    spacing = wait(control, 1000)
    assert 0.95 * 2.5 <= spacing <= 1.05 * 2.5  # the next request waits its turn instead of drawing a 429


def test_the_users_quota_wins_over_learning() -> None:
    clock = Clock()
    control = FlowController(8, tokens_per_minute=60_000, clock=clock)
    control.answered(go(control, 1000), "rate_limited")
    clock.now += 1
    for _ in range(3):
        clock.now += 2
        control.answered(go(control, 1000), "ok")
    assert control.learned.rate is None
    assert isinstance(control.admit(1000), Ticket)  # the user's 60,000 a minute rules, not a guess


def test_requests_per_minute_spaces_requests_out() -> None:
    clock = Clock()
    control = FlowController(100, requests_per_minute=60, clock=clock)
    for _ in range(8):
        control.answered(go(control, 1), "final")
    control.concurrency.limit = 100
    for _ in range(52):  # a full minute's burst is allowed
        go(control, 1)
    spacing = wait(control, 1)
    assert 0.9 <= spacing <= 1.1
    clock.now += spacing
    go(control, 1)


def test_tokens_per_minute_waits_for_enough_tokens_and_lets_a_huge_request_through_once_full() -> None:
    clock = Clock()
    control = FlowController(100, tokens_per_minute=6000, clock=clock)
    control.answered(go(control, 6000), "ok")
    assert wait(control, 600) == pytest.approx(6.0)
    clock.now += 6
    control.answered(go(control, 600), "ok")
    clock.now += 60
    go(control, 10**6)


def test_a_refused_request_gives_its_quota_back() -> None:
    clock = Clock()
    control = FlowController(4, tokens_per_minute=600, clock=clock)
    control.answered(go(control, 600), "rate_limited", retry_after=1.0)
    clock.now += 1.0
    go(control, 600)  # the refused request's tokens came back: no minute-long wait


def test_float_dust_is_not_a_wait() -> None:
    clock = Clock()
    control = FlowController(8, tokens_per_minute=1_000_000, clock=clock)
    go(control, 400_000)
    go(control, 400_000)
    clock.now += 12 - 1e-12  # 1e-7 tokens short of the next request: no endless tiny waits
    go(control, 400_000)


def test_ratelimit_headers_pace_before_the_first_429() -> None:
    clock = Clock()
    control = FlowController(8, clock=clock)
    first = go(control, 1000)
    headers = {
        "x-ratelimit-limit-tokens": "10000",
        "x-ratelimit-remaining-tokens": "1500",
        "x-ratelimit-reset-tokens": "8.5s",  # 8,500 tokens refill in 8.5 s: 1,000 a second
        "x-ratelimit-limit-requests": "100",
        "x-ratelimit-remaining-requests": "99",
        "x-ratelimit-reset-requests": "600ms",
    }
    clock.now += 0.1
    control.answered(first, "ok", headers=headers)
    second = go(control, 1000)  # 1,500 left covers one more
    assert wait(control, 1000) == pytest.approx(0.5)  # 500 left: half a second of refill short of the third
    assert control.counts.rate_limited == 0
    control.answered(second, "ok")


def test_duration_forms() -> None:
    assert duration("1s") == 1.0
    assert duration("6m0s") == 360.0
    assert duration("20ms") == 0.02
    assert duration("1h2m3.5s") == 3723.5
    assert duration("0.25") == 0.25
    assert duration("soon") is None


# --- retry budget and hedging ---------------------------------------------------


def test_the_retry_budget_runs_dry_and_successes_refill_it() -> None:
    control = FlowController(8, clock=Clock())
    granted = sum(control.may_retry() for _ in range(3 * int(RETRY_BURST)))
    assert granted == RETRY_BURST and control.budget.denied == 2 * RETRY_BURST
    for _ in range(2):
        control.answered(go(control), "ok")
    assert control.may_retry() and not control.may_retry()  # two successes earned one retry


def test_hedges_wait_for_latency_evidence_and_stay_within_their_budget() -> None:
    clock = Clock()
    control = FlowController(32, clock=clock)
    assert control.hedge_delay(100) is None  # no evidence yet: no hedge
    for _ in range(100):
        ticket = go(control)
        clock.now += 0.2
        control.answered(ticket, "ok")
    delay = control.hedge_delay(100)
    assert delay == pytest.approx(0.4)  # twice what its peers of that size took
    assert control.hedge_delay(100_000) is None  # a different size has no peers yet
    copies = [control.admit_hedge(100) for _ in range(20)]
    granted = [c for c in copies if c is not None]
    assert len(granted) == 6  # one to start with, plus 5% of the 100 requests sent
    assert control.counts.hedges == 6


def test_no_hedging_when_turned_off() -> None:
    clock = Clock()
    control = FlowController(32, hedge=False, clock=clock)
    for _ in range(10):
        ticket = go(control)
        clock.now += 0.2
        control.answered(ticket, "ok")
    assert control.hedge_delay(100) is None


# --- the shared quota -----------------------------------------------------------


class ScriptedQuota:
    """A shared quota that refuses the first ask and records every report."""

    def __init__(self) -> None:
        self.asks: list[int] = []
        self.reports: list[tuple[int, bool, float | None]] = []

    def acquire(self, tokens: int) -> float:
        self.asks.append(tokens)
        return 0.5 if len(self.asks) == 1 else 0.0

    def release(self, tokens: int, *, rate_limited: bool, retry_after: float | None) -> None:
        self.reports.append((tokens, rate_limited, retry_after))


def test_a_shared_quota_is_asked_before_each_request_and_told_each_answer() -> None:
    quota = ScriptedQuota()
    control = FlowController(4, clock=Clock(), shared=quota)
    assert control.admit(30) == 0.5 and control.in_flight == 0  # refused: no slot taken
    ticket = go(control, 30)
    control.answered(ticket, "rate_limited", retry_after=2.0)
    other = go(control, 40) if isinstance(control.admit(40), Ticket) else None
    assert other is None  # paused: the quota is not even asked
    assert quota.asks == [30, 30] and quota.reports == [(30, True, 2.0)]
