"""Write the offline grader's encoder graph: all-MiniLM-L6-v2 as ONNX operators, without its weights.

    PYTHONPATH=functions python bench/minilm_graph.py [--check]

The graph is BERT's encoder: embeddings, then per layer self-attention and a GELU feed-forward block, each
followed by a residual sum and layer norm (post-norm). Its inputs are token ids and positions (batch, length)
and an additive attention mask (batch, 1, length, length); its output the last hidden state. Every tensor of
the model's safetensors file that the encoder reads (all but `minilm.UNUSED`) is declared as external data under
its own name, so the file is ~30 KB and the
runtime (`talentcrew.adapters.minilm`) hands the session the weights it reads, with neither the `onnx` package
(its import alone takes ~0.8 s here) nor a copy of 90 MB into a protobuf. Run it again only if the model or
ONNX Runtime's operator set changes; a test checks that the shipped file is what this writes.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from safetensors.numpy import load_file

from talentcrew.adapters import minilm

OPSET = 20
"""The first ONNX operator set with `Gelu` (exact, erf-based, as BERT's); `LayerNormalization` is from 17."""
IR_VERSION = 10


def declared(name: str, dtype: str, shape: list[int]) -> TensorProto:
    """A tensor the graph names (type, shape) whose data the session is handed separately."""
    tensor = TensorProto(name=name, dims=shape, data_location=TensorProto.EXTERNAL)
    tensor.data_type = helper.np_dtype_to_tensor_dtype(np.dtype(dtype))
    length = math.prod(shape) * np.dtype(dtype).itemsize
    for key, value in (("location", "memory"), ("offset", "0"), ("length", str(length))):
        tensor.external_data.add(key=key, value=value)
    return tensor


def graph(config: dict[str, float], tensors: dict[str, tuple[str, list[int]]]) -> onnx.ModelProto:
    """The encoder over the model's tensors, given as name -> (numpy dtype, shape)."""
    heads, width = int(config["num_attention_heads"]), int(config["hidden_size"])
    head = width // heads
    nodes: list[onnx.NodeProto] = []
    constants = [
        numpy_helper.from_array(np.array([0, 0, heads, head], np.int64), "heads"),
        numpy_helper.from_array(np.array([0, 0, width], np.int64), "width"),
        numpy_helper.from_array(np.array(1.0 / math.sqrt(head), np.float32), "scale"),
        numpy_helper.from_array(np.array(0, np.int64), "segment"),
    ]

    def node(op: str, inputs: list[str], output: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [output], **attributes))
        return output

    def linear(x: str, name: str) -> str:
        """x @ W.T + b; ONNX Runtime folds the transpose of a weight into a constant when the session starts."""
        weight = node("Transpose", [f"{name}.weight"], f"{name}.weight.T", perm=[1, 0])
        return node("Add", [node("MatMul", [x, weight], f"{name}.product"), f"{name}.bias"], f"{name}.out")

    def norm(x: str, name: str) -> str:
        epsilon = float(config["layer_norm_eps"])
        return node("LayerNormalization", [x, f"{name}.weight", f"{name}.bias"], f"{name}.out", epsilon=epsilon)

    words = node("Gather", ["embeddings.word_embeddings.weight", "ids"], "words")
    places = node("Gather", ["embeddings.position_embeddings.weight", "positions"], "places")
    segment = node("Gather", ["embeddings.token_type_embeddings.weight", "segment"], "segment.embedding")
    x = norm(node("Add", [node("Add", [words, places], "words+places"), segment], "embedded"), "embeddings.LayerNorm")
    for n in range(int(config["num_hidden_layers"])):
        layer = f"encoder.layer.{n}."

        def split(part: str, order: list[int], x: str = x, layer: str = layer) -> str:
            projected = node("Reshape", [linear(x, f"{layer}attention.self.{part}"), "heads"], f"{layer}{part}.heads")
            return node("Transpose", [projected], f"{layer}{part}.split", perm=order)

        q, k, v = split("query", [0, 2, 1, 3]), split("key", [0, 2, 3, 1]), split("value", [0, 2, 1, 3])
        scores = node(
            "Add",
            [node("Mul", [node("MatMul", [q, k], f"{layer}qk"), "scale"], f"{layer}scaled"), "blocked"],
            f"{layer}masked",
        )
        attention = node("Softmax", [scores], f"{layer}attention", axis=-1)
        mixed = node(
            "Transpose", [node("MatMul", [attention, v], f"{layer}mixed")], f"{layer}context", perm=[0, 2, 1, 3]
        )
        context = node("Reshape", [mixed, "width"], f"{layer}joined")
        x = norm(
            node("Add", [linear(context, f"{layer}attention.output.dense"), x], f"{layer}attended"),
            f"{layer}attention.output.LayerNorm",
        )
        hidden = node("Gelu", [linear(x, f"{layer}intermediate.dense")], f"{layer}gelu")
        x = norm(node("Add", [linear(hidden, f"{layer}output.dense"), x], f"{layer}ffn"), f"{layer}output.LayerNorm")
    body = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("positions", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("blocked", TensorProto.FLOAT, ["batch", 1, "length", "length"]),
        ],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, ["batch", "length", width])],
        initializer=constants + [declared(name, *tensors[name]) for name in sorted(tensors)],
    )
    return helper.make_model(body, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)


def build(folder: Path) -> bytes:
    """The serialised graph for the model files in `folder` (its config and the names and shapes of its weights)."""
    config = json.loads((folder / "config.json").read_text())
    weights = load_file(folder / "model.safetensors")
    tensors = {name: (v.dtype.str, list(v.shape)) for name, v in weights.items() if not name.startswith(minilm.UNUSED)}
    data: bytes = graph(config, tensors).SerializeToString()
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only say whether the shipped graph is up to date")
    args = parser.parse_args(argv)
    data = build(minilm.model_folder())
    if args.check:
        current = minilm.GRAPH.exists() and minilm.GRAPH.read_bytes() == data
        print(f"{minilm.GRAPH} is {'up to date' if current else 'stale: run python bench/minilm_graph.py'}")
        return 0 if current else 1
    minilm.GRAPH.write_bytes(data)
    print(f"wrote {minilm.GRAPH} ({len(data) / 1024:.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
