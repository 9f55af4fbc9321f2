"""Infrastructure for the event-loop notebooks: capture what asyncio logs.

>>> with captured_log("asyncio") as records:          # doctest: +SKIP
...     asyncio.run(main(), debug=True)
>>> for record in records:                           # doctest: +SKIP
...     print(record.getMessage())
Executing <Task ...> took 0.104 seconds

asyncio reports slow callbacks in debug mode through the ``asyncio`` logger.
In a notebook no handler listens to that logger, so the warnings would land on
stderr through :data:`logging.lastResort`, mixed with other output. This
module collects them instead, so a cell can print them as it likes, and it
puts the logger back exactly as it was when the block ends.

The event loops being taught are written in the notebooks; nothing here runs
one.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator


class _ListHandler(logging.Handler):
    """A logging handler that appends every record it receives to a list.

    Thread-safe as it is: ``Handler.handle`` holds the handler's lock around ``emit``.
    """

    def __init__(self, records: list[logging.LogRecord], level: int) -> None:
        super().__init__(level)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextlib.contextmanager
def captured_log(name: str = "asyncio", level: int = logging.WARNING) -> Iterator[list[logging.LogRecord]]:
    """Collect the records that logger ``name`` emits at ``level`` or above inside the block.

    Yields a list that fills up as records arrive (from any thread). While the
    block runs, the logger's own level is lowered to ``level`` if needed and
    its records do not propagate to the root logger (so they are not printed
    twice). On exit, the handler is removed and the logger's level and
    ``propagate`` flag are restored, even if the block raises.
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a logger name (str), got {type(name).__name__}")
    if isinstance(level, bool) or not isinstance(level, int):
        raise TypeError(f"level must be a logging level (int, e.g. logging.WARNING), got {level!r}")
    if not 1 <= level <= logging.CRITICAL:
        raise ValueError(
            f"level must be a logging level in [1, 50] (logging.DEBUG = 10 ... logging.CRITICAL = 50), "
            f"got {level!r}"
        )
    logger = logging.getLogger(name)
    records: list[logging.LogRecord] = []
    handler = _ListHandler(records, level)
    old_level, old_propagate = logger.level, logger.propagate
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > level:
        logger.setLevel(level)
    logger.propagate = False
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_propagate
