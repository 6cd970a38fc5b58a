"""The relay's own settings (speech engines, end of turn, limits) and the speech adapters they pick.

With nothing set, speech runs on the offline engines (Whisper tiny.en and Piper), which ship inside
PyPI packages; `TALENTCREW_SPEECH=deepgram` with `DEEPGRAM_API_KEY` uses Deepgram (Cloud Run does).
Adapters are imported only when chosen, so the Cloud image never loads the offline engines.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from relay.speech.ports import SpeechToText, TextToSpeech


class RelaySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TALENTCREW_", extra="ignore", populate_by_name=True)

    speech: Literal["offline", "deepgram"] = "offline"
    deepgram_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("TALENTCREW_DEEPGRAM_API_KEY", "DEEPGRAM_API_KEY")
    )
    deepgram_url: str = Field(default="", description="Another Deepgram endpoint (self-hosted, a stand-in).")
    deepgram_stt_model: str = "nova-3"
    deepgram_tts_model: str = "aura-2-thalia-en"
    end_of_turn_silence_seconds: float = Field(
        default=5.0,
        ge=0,
        le=60,
        description="Silence after the engine heard a pause before the answer ends by itself; 0: only 'done' ends it.",
    )
    audio_buffer_seconds: float = Field(
        default=5.0, gt=0, le=60, description="Audio held while the speech engine falls behind; beyond it, dropped."
    )

    @model_validator(mode="after")
    def _deepgram_needs_key(self) -> Self:
        if self.speech == "deepgram" and self.deepgram_api_key is None:
            raise ValueError("DEEPGRAM_API_KEY is required when TALENTCREW_SPEECH=deepgram")
        return self


def build_speech(settings: RelaySettings) -> tuple[SpeechToText, TextToSpeech]:
    if settings.speech == "deepgram":
        from relay.speech.deepgram import DeepgramSpeechToText, DeepgramTextToSpeech

        assert settings.deepgram_api_key is not None  # checked by the validator
        key, url = settings.deepgram_api_key.get_secret_value(), settings.deepgram_url or None
        return (
            DeepgramSpeechToText(key, base_url=url, model=settings.deepgram_stt_model),
            DeepgramTextToSpeech(key, base_url=url, model=settings.deepgram_tts_model),
        )
    from relay.speech.offline import PiperTextToSpeech, WhisperSpeechToText

    return WhisperSpeechToText(), PiperTextToSpeech()
