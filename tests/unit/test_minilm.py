"""The encoder (ONNX Runtime) against values recorded from sentence-transformers 6.2.0 (torch 2.13.0, CPU) on the same
packaged weights: `SentenceTransformer(path)(features)["token_embeddings"]`, rounded to 5 decimals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from talentcrew.adapters import minilm

TEXTS = ["An index lets the database find rows without scanning the whole table.", "Caching trades memory for speed."]
RECORDED_IDS = [
    [101, 2019, 5950, 11082, 1996, 7809, 2424, 10281, 2302, 13722, 1996, 2878, 2795, 1012, 102],
    [101, 6187, 8450, 14279, 3638, 2005, 3177, 1012, 102, 0, 0, 0, 0, 0, 0],
]
RECORDED_FIRST_TOKENS = [
    [0.2565, 0.0692, -0.4207, 0.31783],
    [-0.48967, 0.18455, -0.69692, 0.57628],
    [0.37973, 0.29125, 0.36077, 0.7395],
]
RECORDED_SECOND_TEXT_TOKEN_5 = [-0.59626, 0.28552, -0.34579, 0.27243]
RECORDED_SENTENCE_EMBEDDINGS = [  # mean pooling over the mask, then unit length (the model's own pipeline)
    [0.02073, 0.0368, -0.06343, 0.05672],
    [-0.02322, 0.02629, -0.04989, 0.03159],
]


@pytest.fixture(scope="module")
def model() -> minilm.MiniLM:
    return minilm.load()


def test_token_embeddings_match_sentence_transformers(model: minilm.MiniLM) -> None:
    encodings, embeddings = model.encode(TEXTS)
    assert [e.ids for e in encodings] == RECORDED_IDS
    assert embeddings.shape == (2, 15, 384)
    assert embeddings.dtype == np.float32
    np.testing.assert_allclose(embeddings[0, :3, :4], RECORDED_FIRST_TOKENS, atol=2e-4)
    np.testing.assert_allclose(embeddings[1, 5, :4], RECORDED_SECOND_TEXT_TOKEN_5, atol=2e-4)
    mask = np.array([e.attention_mask for e in encodings], dtype=np.float32)[:, :, None]
    pooled = (embeddings * mask).sum(axis=1) / mask.sum(axis=1)
    pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
    np.testing.assert_allclose(pooled[:, :4], RECORDED_SENTENCE_EMBEDDINGS, atol=2e-5)


def test_padding_does_not_change_a_text(model: minilm.MiniLM) -> None:
    _, alone = model.encode([TEXTS[1]])
    _, padded = model.encode(TEXTS)
    np.testing.assert_allclose(padded[1, :9], alone[0], atol=1e-5)


def test_long_input_is_cut_to_the_model_limit_and_keeps_its_closing_token(model: minilm.MiniLM) -> None:
    long = " ".join(["caching"] * 400)
    (encoding,), embeddings = model.encode([long])
    assert len(encoding.ids) == minilm.MAX_TOKENS == embeddings.shape[1]
    assert encoding.tokens[0] == "[CLS]" and encoding.tokens[-1] == "[SEP]"


def test_the_local_brain_loads_no_deep_learning_framework_and_one_blas_thread() -> None:
    """A venv made before this encoder still holds torch; nothing may import it (a fresh one lacks it). BLAS
    runs on one thread once the model is loaded (the process is fresh: the pool starts at one per core)."""
    probe = (
        "import sys, json; from threadpoolctl import threadpool_info; "
        "from talentcrew.adapters.local_brain import LocalBrain; LocalBrain(); print(json.dumps(["
        "sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules), "
        "sorted({pool['num_threads'] for pool in threadpool_info() if pool['user_api'] == 'blas'})]))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(minilm.__file__).resolve().parents[2])}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [[], [1]]


def test_the_shipped_graph_is_the_one_the_script_writes() -> None:
    """`minilm.onnx` is generated: a model or script change without `python bench/minilm_graph.py` fails here."""
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root / "functions")}
    script = [sys.executable, str(root / "bench" / "minilm_graph.py"), "--check"]
    out = subprocess.run(script, env=env, capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "up to date" in out.stdout
