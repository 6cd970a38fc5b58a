"""Candidates' voices for the speech benchmarks: Piper, Piper made lower and slower or higher and faster
with sox, and two of Debian's espeak-ng voices; all as the relay receives audio (16 kHz mono PCM16).

Whisper hears Piper's voice best (it is a neural voice, like the speech Whisper learned from) and
espeak-ng's worst (formant synthesis, robotic): the spread stands in for candidates' accents and
microphones. espeak-ng and sox are Debian packages (`make bench-relay-turn-gap` installs them).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

import jiwer

from tests.speech_audio import speech

RAW_16K = ["-t", "raw", "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer"]
SOX = ["sox", "-D"]  # no dither: sox's default adds random noise of a bit or so, and Whisper's words move with it


def _sox(pcm: bytes, *effects: str) -> bytes:
    """Piper's 16 kHz audio through sox effects, still 16 kHz mono PCM16."""
    command = [*SOX, *RAW_16K, "-", *RAW_16K, "-", *effects]
    return subprocess.run(command, input=pcm, capture_output=True, check=True).stdout


def _espeak(text: str, voice: str, words_per_minute: int) -> bytes:
    """espeak-ng's 22050 Hz WAV on stdout, resampled to 16 kHz by sox."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", text], capture_output=True, check=True
    ).stdout
    return subprocess.run([*SOX, "-t", "wav", "-", *RAW_16K, "-"], input=wav, capture_output=True, check=True).stdout


VOICES: dict[str, Callable[[str], bytes]] = {
    "piper": speech,
    "piper, lower and slower (sox)": lambda text: _sox(speech(text), "pitch", "-300", "tempo", "0.9"),
    "piper, higher and faster (sox)": lambda text: _sox(speech(text), "pitch", "250", "tempo", "1.12"),
    "espeak-ng en-us": lambda text: _espeak(text, "en-us", 165),
    "espeak-ng en-gb, female": lambda text: _espeak(text, "en-gb+f3", 150),
}


def check_tools() -> None:
    """Fails early, saying what to install, when espeak-ng or sox is missing."""
    missing = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"{' and '.join(missing)} not found: `make bench-relay-turn-gap` installs them (apt)")


# Whisper writes "1 second" for "one second"
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_NUMBERS = {str(n): word for n, word in enumerate(_NUMBER_WORDS)}
_WORDS = jiwer.Compose(
    [
        jiwer.ToLowerCase(),
        jiwer.SubstituteRegexes({r"-": " "}),  # "B-tree", "time-to-live": the words, however joined
        jiwer.RemovePunctuation(),  # type: ignore[no-untyped-call]
        jiwer.SubstituteWords(_NUMBERS),
        jiwer.RemoveMultipleSpaces(),
        jiwer.Strip(),
        jiwer.ReduceToListOfListOfWords(),
    ]
)


def word_accuracy(said: list[str], heard: list[str]) -> float:
    """1 - word error rate over all the answers together (jiwer), with case, punctuation, hyphens and
    small numbers written as words normalised on both sides."""
    return 1.0 - float(jiwer.wer(said, heard, reference_transform=_WORDS, hypothesis_transform=_WORDS))
