"""The error boundary (``pyapp.ui.errors``) under CPython: handlers that raise are reported
(traceback to the console, a notice to the user) and return normally."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from pyapp.ui import errors


@pytest.fixture()
def notices(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    monkeypatch.setattr(errors, "SINK", lambda kind, message: seen.append((kind, message)))
    return seen


def test_sync_handler_exception_is_reported_not_raised(notices, capsys) -> None:
    calls = []

    @errors.guarded
    def on_click(event: object) -> None:
        calls.append(event)
        raise KeyError("missing-neuron")

    assert on_click("evt") is None
    assert on_click("again") is None  # still callable: the UI stays responsive
    assert calls == ["evt", "again"]
    assert [kind for kind, _ in notices] == ["error", "error"]
    assert "KeyError" in notices[0][1] and "still running" in notices[0][1]
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "on_click" in err
    assert "raise KeyError" in err


def test_signature_and_return_value_are_kept(notices) -> None:
    @errors.guarded(where="drawing the overview")
    def handler(event: object, extra: int = 1) -> int:
        return extra * 2

    assert handler(None, extra=4) == 8
    assert list(inspect.signature(handler).parameters) == ["event", "extra"]
    assert handler.__name__ == "handler"
    assert notices == []


def test_async_handler_and_spawned_task(notices, capsys) -> None:
    @errors.guarded(where="loading the image")
    async def on_drop(event: object) -> str:
        await asyncio.sleep(0)
        raise ValueError("bad bytes")

    async def failing() -> None:
        raise RuntimeError("boom in a task")

    async def main() -> None:
        assert await on_drop(None) is None
        task = errors.spawn(failing(), "switching the image")
        assert await task is None

    asyncio.run(main())
    assert [kind for kind, _ in notices] == ["error", "error"]
    assert "while loading the image (ValueError: bad bytes)" in notices[0][1]
    assert "while switching the image (RuntimeError: boom in a task)" in notices[1][1]
    err = capsys.readouterr().err
    assert err.count("Traceback (most recent call last)") == 2


def test_plain_function_returning_a_coroutine_is_spawned(notices) -> None:
    async def work() -> None:
        raise OSError("offline")

    handler = errors.guarded(lambda event: work())

    async def main() -> None:
        task = handler(None)
        await task

    asyncio.run(main())
    assert len(notices) == 1 and "OSError: offline" in notices[0][1]


def test_cancellation_is_not_swallowed(notices) -> None:
    @errors.guarded
    async def slow() -> None:
        await asyncio.sleep(10)

    async def main() -> None:
        task = asyncio.ensure_future(slow())
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert notices == []


def test_describe_is_one_short_line() -> None:
    text = errors.describe(ValueError("first line\nsecond line " + "x" * 500), "doing it")
    assert "\n" not in text and "first line" in text and "second line" not in text
    assert len(text) < 300
