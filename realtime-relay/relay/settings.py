"""The relay's settings (speech engines, end of turn, limits, its link to the turn function, the tickets'
public key) and the speech adapters they pick.

They read the same variables as the platform's `talentcrew.config.Settings` without building a
platform: the relay holds no Store, and on Google Cloud no key but the tickets' public half
(`TALENTCREW_TURN_AUTH=iam` with no `TALENTCREW_TICKET_PUBLIC_KEY` refuses to start). Locally, with no
key configured, the public half comes from the ticket key in DATA_DIR/keys, made by whichever local
process needs it first.

With nothing set, speech runs on the offline engines (Whisper tiny.en and Piper), which ship inside
PyPI packages; `TALENTCREW_SPEECH=deepgram` with `DEEPGRAM_API_KEY` uses Deepgram (Cloud Run does).
Adapters are imported only when chosen, so the Cloud image never loads the offline engines.
"""

from __future__ import annotations

from typing import Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from relay.speech.ports import SpeechToText, TextToSpeech, WhisperModelName
from talentcrew.auth import new_signing_key, public_half
from talentcrew.keys import TurnCallSettings, stored_key


class RelaySettings(TurnCallSettings):
    model_config = SettingsConfigDict(env_prefix="TALENTCREW_", extra="ignore", populate_by_name=True)

    ticket_public_key: str = Field(default="", description="PEM public half of the api's ticket key.")
    log_level: str = "INFO"
    log_format: Literal["auto", "json", "text"] = "auto"
    speech: Literal["offline", "deepgram"] = "offline"
    whisper_model: WhisperModelName = Field(
        default="tiny.en",
        description="The offline recogniser: base hears more (0.89-0.90 words right on the bench, tiny.en "
        "0.87-0.88) but decodes at half the speed, too slow for a quick turn on 2 cores.",
    )
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

    @model_validator(mode="after")
    def _cloud_needs_the_ticket_key(self) -> Self:
        if self.turn_auth == "iam" and not self.ticket_public_key:
            raise ValueError("TALENTCREW_TICKET_PUBLIC_KEY is required when TALENTCREW_TURN_AUTH=iam")
        return self

    def ticket_public_pem(self) -> str:
        """The key tickets are checked with: configured, or the public half of the local ticket key."""
        if self.ticket_public_key:
            return self.ticket_public_key
        return public_half(stored_key(self.data_dir / "keys", "ticket_key", new_signing_key))


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

    return WhisperSpeechToText(settings.whisper_model), PiperTextToSpeech()
