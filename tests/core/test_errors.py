"""The error hierarchy as drawn, errors built whole, and nothing a server echoes can put the key in one.

The fake key is recognisable (``SECRET``), and the server here echoes it
back the ways gateways do: in an error message, in a request id, as the
whole Authorization header, and for Inworld as the Basic credential and the
pair it encodes. Every place a user or a crash reporter could see it is searched.
"""

from __future__ import annotations

import base64
import inspect
import logging
import re
import traceback
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from aiml_embeddings import AIMLEmbeddingsError, EmbeddingsClient, ServerError, errors
from aiml_embeddings.flow.batch import Send

from ..fake_api import FakeAPI, status
from .conftest import SECRET

Make = Callable[..., EmbeddingsClient]
INWORLD = "sentence-transformers/paraphrase-multilingual-mpnet-base-v2"
PAIR = f"inworld-key-id:{SECRET}"
"""An Inworld key and secret (module-level, so no test frame's locals hold it)."""
ENCODED = base64.b64encode(PAIR.encode()).decode()


def _everything_shown(exc: BaseException, caplog: pytest.LogCaptureFixture | None = None) -> str:
    """Every text a person or a crash reporter sees of ``exc``: str, repr, args, attributes, traceback with locals."""
    shown = traceback.TracebackException.from_exception(exc, capture_locals=True).format()
    parts = [str(exc), repr(exc), repr(exc.args), repr(vars(exc)), *shown]
    if caplog is not None:
        parts.append(caplog.text)
    return "\n".join(parts)


# --- the tree --------------------------------------------------------------------


def test_the_tree_in_the_docstring_is_the_hierarchy() -> None:
    drawn: dict[str, str] = {}
    parents: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^([│ ├└─]*)([A-Z][A-Za-z]+Error)\b", line)
        if not match:
            continue
        depth = len(match.group(1)) // 4
        parents[depth:] = [match.group(2)]
        if depth:
            drawn[match.group(2)] = parents[depth - 1]
    classes = {
        name: cls
        for name, cls in vars(errors).items()
        if inspect.isclass(cls) and issubclass(cls, AIMLEmbeddingsError) and cls is not AIMLEmbeddingsError
    }
    actual = {
        name: next(b for b in cls.__bases__ if issubclass(b, AIMLEmbeddingsError)).__name__
        for name, cls in classes.items()
    }
    assert drawn == actual


def test_with_call_result_is_a_copy_that_leaves_the_batch_error_alone() -> None:
    batch = ServerError("model 'm': down", model="m", status_code=503, request_id="r1", provider_message="down")
    call = batch.with_call_result([4, 5], [[1.0], None])
    assert type(call) is ServerError and call is not batch
    assert (call.message, call.model, call.status_code, call.request_id, call.provider_message) == (
        "model 'm': down",
        "m",
        503,
        "r1",
        "down",
    )
    assert (call.failed_indices, call.partial) == ((4, 5), [[1.0], None])
    assert (batch.failed_indices, batch.partial) == ((), None)


def test_a_failed_call_raises_a_new_error_with_the_calls_result(api: FakeAPI, make: Make) -> None:
    api.faults.append(status(503))
    with pytest.raises(ServerError) as info:
        make(dimensions=8, max_retries=0, max_concurrency=1).embed([f"t{i}" for i in range(20)])
    assert info.value.failed_indices == tuple(range(20)) and info.value.partial == [None] * 20


# --- scrubbing and bounds ----------------------------------------------------------


def test_scrub_masks_every_secret_longest_first_and_says_where_it_cut() -> None:
    text = f"echo: Bearer {SECRET} and {SECRET}"
    assert errors.scrub(text, [SECRET, f"Bearer {SECRET}"]) == "echo: *** and ***"
    cut = errors.scrub("x" * 5000)
    assert cut.startswith("x" * errors.MAX_MESSAGE_CHARS) and cut.endswith("(4000 more characters)")


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("req-123_abc.DEF:9/+=", "req-123_abc.DEF:9/+="),
        (f"id-{SECRET}", "id-***"),
        ("bad\r\nX-Injected: 1\x1b[31m", "bad??X-Injected:?1??31m"),
        ("", None),
    ],
)
def test_request_ids_are_masked_and_held_to_id_characters(raw: str, shown: str | None) -> None:
    assert errors.clean_request_id(raw, [SECRET]) == shown


def test_a_request_id_is_bounded_in_length() -> None:
    assert len(errors.clean_request_id("r" * 100_000) or "") == errors.MAX_REQUEST_ID_CHARS


def test_a_two_megabyte_error_message_makes_a_short_error(api: FakeAPI, make: Make) -> None:
    api.faults.append(status(500, body={"message": "m" * 2_000_000, "statusCode": "500"}))
    with pytest.raises(ServerError) as info:
        make(dimensions=8, max_retries=0).embed(["a"])
    assert len(str(info.value)) < 2 * errors.MAX_MESSAGE_CHARS
    assert len(info.value.provider_message or "") < errors.MAX_MESSAGE_CHARS + 50


# --- the key, echoed -----------------------------------------------------------------


def _echo(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
    header = request.headers["authorization"]
    message = f"invalid credentials: {header!r} ({header.split(' ', 1)[1]})"
    return httpx.Response(401, json={"message": message, "statusCode": "401", "requestId": header})


def test_an_error_body_echoing_the_authorization_header_shows_no_key(
    api: FakeAPI, make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiml_embeddings")
    api.faults.append(_echo)
    with pytest.raises(AIMLEmbeddingsError) as info:
        make(dimensions=8).embed(["a", "b"])
    assert api.requests[0].headers["authorization"] == f"Bearer {SECRET}"  # the echo did carry it
    assert "invalid credentials" in (info.value.provider_message or "")
    assert SECRET not in _everything_shown(info.value, caplog)


def test_a_key_echoed_as_the_request_id_is_masked_there_and_in_the_log(
    api: FakeAPI, make: Make, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="aiml_embeddings")
    api.faults.append(status(503, headers={"x-request-id": f"Bearer {SECRET}"}))
    with pytest.raises(ServerError) as info:
        make(dimensions=8, max_retries=1).embed(["a"])
    assert info.value.request_id is not None and "***" in info.value.request_id
    assert "status 503" in caplog.text
    assert SECRET not in _everything_shown(info.value, caplog)


def test_an_inworld_echo_of_the_basic_credential_or_its_pair_shows_neither(api: FakeAPI, make: Make) -> None:

    def echo(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        message = f"rejected {request.headers['authorization']} = {PAIR}"
        return httpx.Response(401, json={"code": 16, "message": message, "details": []})

    api.faults.append(echo)
    with pytest.raises(AIMLEmbeddingsError) as info:
        make(INWORLD, api_key=PAIR).embed(["a"])
    assert api.requests[0].headers["authorization"] == f"Basic {ENCODED}"
    shown = _everything_shown(info.value)
    assert SECRET not in shown
    assert ENCODED not in shown
    assert "inworld-key-id" not in shown


def test_captured_frame_locals_show_no_key(api: FakeAPI, make: Make) -> None:
    """A crash deep in the transport, reported the way Sentry or ``pytest --showlocals`` would."""

    def crash(request: httpx.Request, body: dict[str, Any]) -> httpx.Response:
        raise RuntimeError("the transport broke")

    api.faults.append(crash)
    with pytest.raises(RuntimeError) as info:
        make(dimensions=8).embed(["a"])
    shown = _everything_shown(info.value)
    assert "Send(" in shown  # the flow's frames, with their locals, are in the report...
    assert SECRET not in shown  # ...without the headers they carry


def test_send_and_job_reprs_never_show_headers(make: Make) -> None:
    send = Send("https://x/v1/embeddings", {"Authorization": f"Bearer {SECRET}"}, b"{}")
    job, _ = make(dimensions=8)._job(["a"], "document", "list")
    assert job.headers["Authorization"] == f"Bearer {SECRET}"
    for shown in (repr(send), repr(job)):
        assert SECRET not in shown and "headers" not in shown
