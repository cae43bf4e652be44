"""Iterate a source one item ahead, in a background thread, so fetching and storing overlap.

A pull run waits on two slow things in turn: the store's API and the hub's database. With
`Prefetch`, the next page (and its enrichment) is fetched while this one is stored. One item
ahead at most; errors come out in order; leaving the `with` block stops the thread and waits
for it, so nothing it does outlives the run (it finishes the request in flight, at most one).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["Prefetch"]

T = TypeVar("T")


class Prefetch(Generic[T]):
    """Iterate `source` one item ahead, in a background thread; errors come out in order.

    Leaving the `with` block (a stop, an error while storing, the end) tells the thread to
    stop and waits for it, so nothing it does outlives the run (it finishes the request in
    flight, at most one page).
    """

    def __init__(self, source: Iterable[T]) -> None:
        self._source = source
        self._queue: queue.Queue[tuple[str, Any]] = queue.Queue(maxsize=1)
        self._closed = threading.Event()
        self._taken = threading.Semaphore(0)
        self._thread = threading.Thread(target=self._produce, name="pull-prefetch", daemon=True)

    def __enter__(self) -> Iterator[T]:
        self._thread.start()
        return self._consume()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._closed.set()
        self._thread.join()

    def _consume(self) -> Iterator[T]:
        while True:
            what, value = self._queue.get()
            self._taken.release()
            if what == "error":
                raise value
            if what == "done":
                return
            yield value

    def _produce(self) -> None:
        try:
            for item in self._source:
                # Wait until the consumer took it: fetch the next page only while the
                # current one is being stored, never two ahead.
                if not self._put("item", item) or not self._wait_taken():
                    return
        except BaseException as error:  # handed to the consumer, raised there
            self._put("error", error)
            return
        self._put("done", None)

    def _wait_taken(self) -> bool:
        while not self._closed.is_set():
            if self._taken.acquire(timeout=0.05):
                return True
        return False

    def _put(self, what: str, value: Any) -> bool:
        while not self._closed.is_set():
            try:
                self._queue.put((what, value), timeout=0.05)
            except queue.Full:
                continue
            return True
        return False
