"""The benchmark server on its own event loop in a thread, on 127.0.0.1, for tests that need a real socket."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

from benchmarks.server import BenchServer, Config


class Loopback:
    """``bench`` (the plain benchmark server by default) on its own event loop in a thread, reachable at ``url``."""

    def __init__(self, bench: BenchServer | None = None) -> None:
        self.bench = bench or BenchServer()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def _start(self) -> asyncio.Server:
        return await asyncio.start_server(self.bench.handle, "127.0.0.1", 0)

    def configure(self, config: Config) -> None:
        asyncio.run_coroutine_threadsafe(self._configure(config), self.loop).result(5)

    async def _configure(self, config: Config) -> None:
        self.bench.configure(config)

    def stats(self) -> dict[str, Any]:
        async def read() -> dict[str, Any]:
            from dataclasses import asdict

            return asdict(self.bench.stats)

        counters: dict[str, Any] = json.loads(json.dumps(asyncio.run_coroutine_threadsafe(read(), self.loop).result(5)))
        return counters

    def close(self) -> None:
        async def stop() -> None:
            self.server.close()
            handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)
            await self.server.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
