"""The helper threads' lower priority (formcheck.cpu)."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from formcheck.cpu import available_cores, lower_this_thread


def test_available_cores_is_at_least_one():
    assert available_cores() >= 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_lowering_a_thread_leaves_the_others_alone():
    seen: dict[str, int | bool] = {}

    def helper() -> None:
        tid = threading.get_native_id()
        before = os.getpriority(os.PRIO_PROCESS, tid)
        seen["lowered"] = lower_this_thread(5)
        seen["change"] = os.getpriority(os.PRIO_PROCESS, tid) - before

    main_before = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    thread = threading.Thread(target=helper)
    thread.start()
    thread.join()
    assert seen["lowered"] is True
    assert seen["change"] == min(5, 19 - main_before)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main_before


def test_nothing_to_lower_is_not_an_error():
    assert lower_this_thread(0) is False
