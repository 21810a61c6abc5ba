"""The voice: the cue queue with a fake speaker (order, cooldown, never blocking, a speaker that
fails), counts as words, and the real espeak-ng speaking into a file."""

from __future__ import annotations

import shutil
import threading
import time
import wave

import pytest

from formcheck.live.state import ANNOUNCE, COUNT, CUE, Say
from formcheck.live.voice import EspeakSpeaker, NoSoundOutput, Voice, find_speaker, number_word


class FakeSpeaker:
    """Records what it is asked to say; each line takes `seconds`; may fail on a given line."""

    name = "fake"

    def __init__(self, seconds: float = 0.0, fail_on: str | None = None) -> None:
        self.seconds, self.fail_on = seconds, fail_on
        self.lines: list[str] = []
        self.busy = threading.Event()

    def say(self, text: str) -> None:
        self.busy.set()
        if text == self.fail_on:
            raise OSError("audio device gone")
        time.sleep(self.seconds)
        self.lines.append(text)
        self.busy.clear()


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def wait_for(predicate, timeout: float = 3.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_counts_as_words():
    assert [number_word(n) for n in (0, 3, 10, 13, 20, 42, 99, 150)] == [
        "zero", "three", "ten", "thirteen", "twenty", "forty-two", "ninety-nine", "150"]


def test_counts_and_announcements_are_spoken_in_order_one_at_a_time():
    speaker = FakeSpeaker(seconds=0.05)
    voice = Voice(speaker, backlog=8)
    for text, kind in (("Pelvic tilt: 10 reps.", ANNOUNCE), ("one", COUNT), ("two", COUNT), ("three", COUNT)):
        voice.offer(Say(text, kind))
    assert wait_for(lambda: len(speaker.lines) == 4)
    voice.close()
    assert speaker.lines == ["Pelvic tilt: 10 reps.", "one", "two", "three"] == voice.spoken


def test_offer_never_blocks_on_a_slow_speaker():
    speaker = FakeSpeaker(seconds=0.8)
    voice = Voice(speaker)
    voice.offer(Say("Keep your hips on the floor", CUE))
    assert speaker.busy.wait(1.0)
    start = time.perf_counter()
    for i in range(50):  # while it speaks, the video loop keeps offering
        voice.offer(Say(number_word(i % 20), COUNT))
        voice.offer(Say(f"cue {i}", CUE))
    assert time.perf_counter() - start < 0.05
    voice.close(timeout=0.1)


def test_a_cue_waits_out_the_cooldown_a_newer_one_replaces_it_and_repeats_are_dropped():
    clock = Clock()
    speaker = FakeSpeaker()
    voice = Voice(speaker, cooldown=2.0, repeat_after=8.0, max_age=5.0, clock=clock)
    voice.offer(Say("Flatten your back", CUE))
    assert wait_for(lambda: speaker.lines == ["Flatten your back"])
    voice.offer(Say("Hold", CUE))  # within the cooldown: waits...
    voice.offer(Say("Release slowly", CUE))  # ...and is replaced by the newer cue
    time.sleep(0.3)
    assert speaker.lines == ["Flatten your back"]
    clock.now += 2.5
    assert wait_for(lambda: speaker.lines == ["Flatten your back", "Release slowly"])
    clock.now += 3.0  # 5.5 s after it was said: still too soon to say it again
    voice.offer(Say("Flatten your back", CUE))
    time.sleep(0.3)
    assert speaker.lines == ["Flatten your back", "Release slowly"]
    voice.offer(Say("two", COUNT))  # counts are not held by the cooldown
    assert wait_for(lambda: speaker.lines[-1] == "two")
    clock.now += 10.0
    voice.offer(Say("Flatten your back", CUE))
    assert wait_for(lambda: speaker.lines[-1] == "Flatten your back")
    voice.close()


def test_a_stale_cue_is_dropped():
    clock = Clock()
    speaker = FakeSpeaker()
    voice = Voice(speaker, cooldown=3.0, max_age=1.0, clock=clock)
    voice.offer(Say("one", COUNT))
    assert wait_for(lambda: speaker.lines == ["one"])
    voice.offer(Say("Hold", CUE))  # no cue said yet: no cooldown either
    assert wait_for(lambda: speaker.lines == ["one", "Hold"])
    voice.offer(Say("Release slowly", CUE))
    clock.now += 3.5  # the cooldown is over, but the cue is 3.5 s old: no longer worth saying
    time.sleep(0.3)
    voice.close()
    assert speaker.lines == ["one", "Hold"]


def test_a_speaker_that_fails_stops_the_voice_with_the_error():
    speaker = FakeSpeaker(fail_on="two")
    voice = Voice(speaker)
    for n in ("one", "two", "three"):
        voice.offer(Say(n, COUNT))
    assert wait_for(lambda: voice.error is not None)
    assert "audio device gone" in voice.error
    voice.offer(Say("four", COUNT))
    voice.close()
    assert speaker.lines == ["one"]


def test_no_engine_installed_means_no_speaker(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert find_speaker() is None


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed (scripts/setup.sh --test installs it)")
def test_espeak_ng_speaks_a_count_into_a_file(tmp_path):
    out = tmp_path / "three.wav"
    speaker = EspeakSpeaker(shutil.which("espeak-ng"), extra_args=["-w", str(out)])
    speaker.say(number_word(3))
    with wave.open(str(out)) as wav:
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.2 < seconds < 2.0
    # espeak-ng exits 0 when it cannot play; its complaint is what tells
    with pytest.raises(NoSoundOutput, match="espeak-ng cannot play"):
        EspeakSpeaker(shutil.which("espeak-ng"), extra_args=["-w", str(tmp_path / "no" / "x.wav")]).say("three")


def test_a_speaker_without_sound_output_leaves_a_warning_and_silence():
    class Mute(FakeSpeaker):
        def say(self, text: str) -> None:
            raise NoSoundOutput("espeak-ng cannot play: error: No such file or directory")

    voice = Voice(Mute())
    voice.offer(Say("one", COUNT))
    assert wait_for(lambda: voice.warning is not None)
    assert voice.error is None and "cannot play" in voice.warning
    voice.close()
