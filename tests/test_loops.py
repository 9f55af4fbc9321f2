"""Tests for helpers.loops: captured_log collects records and restores the logger."""

import asyncio
import logging
import threading
import time

import pytest

from helpers.loops import captured_log


def test_captures_records_from_the_block_and_restores_the_logger():
    logger = logging.getLogger("course-test-capture")
    logger.setLevel(logging.ERROR)
    logger.propagate = True
    with captured_log("course-test-capture", logging.WARNING) as records:
        logger.warning("slow: %d ms", 120)
        logger.info("too low to be captured")
        assert logger.propagate is False
    logger.warning("after the block: not captured")
    assert [r.getMessage() for r in records] == ["slow: 120 ms"]
    assert logger.level == logging.ERROR and logger.propagate is True
    assert logger.handlers == []


def test_restores_the_logger_when_the_block_raises():
    logger = logging.getLogger("course-test-raise")
    with pytest.raises(ZeroDivisionError), captured_log("course-test-raise"):
        raise ZeroDivisionError
    assert logger.handlers == [] and logger.level == logging.NOTSET and logger.propagate is True


def test_captures_records_from_another_thread():
    logger = logging.getLogger("course-test-thread")
    with captured_log("course-test-thread") as records:
        worker = threading.Thread(target=lambda: logger.error("from a thread"))
        worker.start()
        worker.join()
    assert [r.getMessage() for r in records] == ["from a thread"]


def test_captures_asyncio_slow_callback_warnings_in_debug_mode():
    async def main():
        asyncio.get_running_loop().slow_callback_duration = 0.01
        time.sleep(0.03)  # blocks the loop on purpose  # noqa: ASYNC251

    with captured_log("asyncio") as records:
        asyncio.run(main(), debug=True)
    messages = [r.getMessage() for r in records]
    assert any(m.startswith("Executing <Task") and "took" in m for m in messages), messages


def test_rejects_bad_arguments():
    with pytest.raises(TypeError, match="name"), captured_log(42):
        pass
    with pytest.raises(TypeError, match="level"), captured_log("asyncio", "WARNING"):
        pass
