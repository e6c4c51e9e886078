#!/usr/bin/env python3
"""Turns a BERT encoder exported to ONNX (optimum/Xenova layout) into the model folder ragctl
reads: model.safetensors, config.json, tokenizer.json, 1_Pooling/config.json.

    python3 onnx_to_folder.py MODEL.onnx TOKENIZER.json OUT_DIR --layers 12 --heads 12 \
        --hidden 384 --intermediate 1536 --pooling cls

The exporter keeps bias and LayerNorm initializers under their PyTorch names but stores each
Linear weight as an anonymous `onnx::MatMul_*` initializer, transposed ([in, out]). The MatMul
node's own name (`/encoder/layer.0/attention/self/query/MatMul`) gives the PyTorch name back.
Needs onnx, numpy, safetensors (bench/embed/requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil

import numpy as np
import onnx
from onnx import numpy_helper
from safetensors.numpy import save_file


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("onnx")
    p.add_argument("tokenizer")
    p.add_argument("out")
    p.add_argument("--layers", type=int, required=True)
    p.add_argument("--heads", type=int, required=True)
    p.add_argument("--hidden", type=int, required=True)
    p.add_argument("--intermediate", type=int, required=True)
    p.add_argument("--positions", type=int, default=512)
    p.add_argument("--vocab", type=int, default=30522)
    p.add_argument("--pooling", choices=["cls", "mean"], required=True)
    a = p.parse_args()

    graph = onnx.load(a.onnx).graph
    init = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    tensors = {k: v for k, v in init.items() if not k.startswith("onnx::") and v.dtype == np.float32}
    for node in graph.node:
        if node.op_type != "MatMul":
            continue
        named = re.match(r"^/(.*)/MatMul$", node.name)
        for i in node.input:
            if named and i in init and i.startswith("onnx::"):
                tensors[named.group(1).replace("/", ".") + ".weight"] = np.ascontiguousarray(init[i].T)

    os.makedirs(os.path.join(a.out, "1_Pooling"), exist_ok=True)
    save_file(tensors, os.path.join(a.out, "model.safetensors"))
    shutil.copyfile(a.tokenizer, os.path.join(a.out, "tokenizer.json"))
    config = {
        "model_type": "bert",
        "hidden_size": a.hidden,
        "num_hidden_layers": a.layers,
        "num_attention_heads": a.heads,
        "intermediate_size": a.intermediate,
        "vocab_size": a.vocab,
        "max_position_embeddings": a.positions,
        "type_vocab_size": 2,
        "layer_norm_eps": 1e-12,
        "hidden_act": "gelu",
    }
    with open(os.path.join(a.out, "config.json"), "w") as f:
        json.dump(config, f, indent=1)
    pooling = {
        "word_embedding_dimension": a.hidden,
        "pooling_mode_cls_token": a.pooling == "cls",
        "pooling_mode_mean_tokens": a.pooling == "mean",
    }
    with open(os.path.join(a.out, "1_Pooling", "config.json"), "w") as f:
        json.dump(pooling, f, indent=1)
    print(f"{a.out}: {len(tensors)} tensors")


if __name__ == "__main__":
    main()
