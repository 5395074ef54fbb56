"""``usage``: what the server reported, summed request for request; retries and 429s as the flow saw them."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aiml_embeddings import INWORLD_MODEL, EmbeddingsClient, Usage
from aiml_embeddings.wire import AIMLAPICodec, InworldCodec

from ..fake_api import FakeAPI, status, texts_in, times

Make = Callable[..., EmbeddingsClient]


class Billing:
    """Answers like the fake API, with tokens and credits that differ per request, and keeps what it billed."""

    def __init__(self, api: FakeAPI) -> None:
        self.billed: list[tuple[int, int, float]] = []
        self._lock = threading.Lock()
        self._respond = api.respond
        api.respond = self.bill  # type: ignore[method-assign]  # the handlers look it up on the instance

    def bill(self, request: httpx.Request) -> httpx.Response:
        answer = self._respond(request)
        if answer.status_code != 200:
            return answer
        payload = answer.json()
        texts = texts_in(json.loads(request.content))
        prompt = sum(len(t) for t in texts)
        with self._lock:
            total, credits = prompt + len(self.billed), 0.5 * len(texts)
            self.billed.append((prompt, total, credits))
        payload["usage"] = {"prompt_tokens": prompt, "total_tokens": total}
        payload["meta"] = {"usage": {"credits_used": credits}}
        return httpx.Response(200, json=payload)

    def expected(self, **counts: int) -> Usage:
        return Usage(
            prompt_tokens=sum(p for p, _, _ in self.billed),
            total_tokens=sum(t for _, t, _ in self.billed),
            credits=sum(c for _, _, c in self.billed),
            **counts,
        )


def test_usage_is_what_the_server_reported_request_for_request(api: FakeAPI, make: Make) -> None:
    billing = Billing(api)
    client = make(batch_size=7)
    texts = [f"text {i}" for i in range(100)]
    client.embed(texts)
    assert len(billing.billed) == len(api.requests) > 1
    assert client.usage == billing.expected(requests=len(api.requests), inputs=100)


def test_one_hundred_texts_of_which_twenty_repeat(api: FakeAPI, make: Make) -> None:
    billing = Billing(api)
    texts = [f"text {i}" for i in range(80)] + [f"text {i}" for i in range(0, 80, 4)]
    client = make()
    vectors = client.embed(texts)
    sent = [t for body in api.requests for t in texts_in(body)]
    assert len(sent) == 80 and set(sent) == set(texts)
    assert client.usage == billing.expected(requests=len(api.requests), inputs=80, deduplicated=20)
    assert vectors[80:] == vectors[0:80:4]


def test_retries_and_429s_are_counted(api: FakeAPI, make: Make) -> None:
    api.faults.append(times(1, status(500)))
    api.faults.append(times(2, status(429, {"Retry-After": "0"})))
    client = make()
    client.embed(["one text"])
    usage = client.usage
    assert usage.requests == len(api.requests) == 4
    assert usage.retries == 3 and usage.rate_limited == 2 and usage.inputs == 1
    assert usage.prompt_tokens == 1  # the fake reports 1 token per successful answer, and no total or credits
    assert usage.total_tokens == 0 and usage.credits == 0


def test_the_running_total_spans_calls_threads_and_event_loops(api: FakeAPI, make: Make) -> None:
    client = make(batch_size=4)
    threads = [threading.Thread(target=client.embed, args=([f"{n}-{i}" for i in range(20)],)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    asyncio.run(client.aembed([f"loop a {i}" for i in range(8)]))
    asyncio.run(client.aembed([f"loop b {i}" for i in range(8)]))
    assert client.usage.inputs == 96
    assert client.usage.requests == len(api.requests) == client.usage.prompt_tokens


async def test_each_call_reports_its_own_usage_even_when_it_fails(api: FakeAPI, make: Make) -> None:
    client = make()
    seen: list[Usage] = []
    await client.aembed(["a", "b", "a"], on_usage=seen.append)
    api.faults.append(status(401))
    with pytest.raises(Exception, match="fault 401"):
        client.embed(["c"], on_usage=seen.append)
    assert [u.inputs for u in seen] == [2, 1] and [u.deduplicated for u in seen] == [1, 0]
    assert [u.requests for u in seen] == [1, 1]
    assert client.usage == seen[0] + seen[1]


def test_inworld_reports_no_tokens_so_they_count_as_zero(api: FakeAPI, make: Make) -> None:
    client = make(INWORLD_MODEL)
    client.embed(["hola", "adiós"])
    assert client.usage == Usage(requests=1, inputs=2)


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        # the shape of the AI/ML API's real recorded answers (api-docs: prompt_tokens 11, credits_used 1)
        (
            {"usage": {"prompt_tokens": 11, "total_tokens": 11}, "meta": {"usage": {"credits_used": 1}}},
            Usage(prompt_tokens=11, total_tokens=11, credits=1.0),
        ),
        ({"usage": {"prompt_tokens": None, "total_tokens": None}}, Usage()),  # Voyage's null tokens
        ({"usage": {"prompt_tokens": "7"}, "meta": None}, Usage()),
        ({}, Usage()),
        (None, Usage()),
    ],
)
def test_aimlapi_codec_reads_usage(payload: Any, expected: Usage) -> None:
    assert AIMLAPICodec().usage(payload) == expected


def test_inworld_codec_reads_no_usage() -> None:
    assert InworldCodec().usage({"embeddings": [{"values": [0.1]}], "usage": {"prompt_tokens": 3}}) == Usage()


def test_a_pickled_copy_counts_from_zero(make: Make) -> None:
    import pickle

    client = make()
    client.embed(["a"])
    assert pickle.loads(pickle.dumps(client)).usage == Usage()


async def test_the_readme_usage_example_prints_what_it_shows(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run against the stand-in, which answers this text with the AI/ML API's recorded response."""
    import functools

    import aiml_embeddings
    from tests.docs.examples import check_examples, fenced_blocks, readme_section
    from tests.standin.api import AIMLAPI_TEST_KEY, StandInAPI

    standin = StandInAPI()

    def answer(request: httpx.Request) -> httpx.Response:
        reply = standin.handle(request.method, request.url.raw_path.decode(), dict(request.headers), request.content)
        return httpx.Response(reply.status, headers=reply.headers, content=reply.body)

    wired = functools.partial(
        EmbeddingsClient, api_key=AIMLAPI_TEST_KEY, http_client=httpx.Client(transport=httpx.MockTransport(answer))
    )
    monkeypatch.setattr(aiml_embeddings, "EmbeddingsClient", wired)
    blocks = fenced_blocks(readme_section("usage"))
    code = [body for lang, body in blocks if lang == "python"]
    shown = [body for lang, body in blocks if lang == "text"]
    assert len(code) == 1 and len(shown) == 1, "the section holds one python block and the output it prints"
    await check_examples([(code[0], shown[0])], capsys)


def test_a_split_batch_counts_its_texts_once_and_every_request(api: FakeAPI, make: Make) -> None:
    def too_large(request: httpx.Request, body: dict[str, Any]) -> httpx.Response | None:
        if len(texts_in(body)) > 2:
            return httpx.Response(413, json={"message": "Too many inputs in one request", "statusCode": "413"})
        return None

    api.faults.append(too_large)
    client = make()
    assert len(client.embed([f"t{i}" for i in range(4)])) == 4
    assert client.usage.requests == len(api.requests) == 3  # 4 refused, then 2 + 2
    assert client.usage.inputs == 4 and client.usage.retries == 0
