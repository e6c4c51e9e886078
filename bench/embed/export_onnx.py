#!/usr/bin/env python3
"""Export all-MiniLM-L6-v2 to ONNX (fp32) in the folder layout transformers.js loads.

    python3 bench/embed/export_onnx.py            # -> bench/data/onnx-minilm/

The folder gets config.json, tokenizer.json, tokenizer_config.json, vocab.txt,
special_tokens_map.json and onnx/model.onnx (~90 MB, git-ignored). The graph takes input_ids,
attention_mask and token_type_ids (int64, dynamic batch and sequence axes) and returns
last_hidden_state, which transformers.js' feature-extraction pipeline mean-pools and normalises.

tokenizer_config.json is rewritten with model_max_length 256: transformers.js truncates at
model_max_length (512 in the original file) while sentence-transformers truncates at
max_seq_length 256 (sentence_bert_config.json), so without this the two would embed long texts
differently.

After exporting, the script checks the ONNX graph against sentence-transformers with onnxruntime
on every text of test/fixtures/parity/texts.json, batched with padding (empty, whitespace-only,
truncated and non-English texts included), and fails unless every cosine is >= 0.9999.

Needs: onnx, onnxruntime (bench/embed/requirements.txt). Uses the TorchScript exporter
(dynamo=False) so onnxscript is not needed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from bench_common import resolve_model_dir  # noqa: E402

MAX_SEQ_LENGTH = 256
# 17 is the first opset with a native LayerNormalization; onnxruntime-node 1.21 runs up to 21.
OPSET = 17
MIN_COSINE = 0.9999
COPIED_FILES = ["config.json", "tokenizer.json", "vocab.txt", "special_tokens_map.json"]


class LastHiddenState(torch.nn.Module):
    """BertModel with a tuple-free signature, so the exported graph has one named output."""

    def __init__(self, bert: torch.nn.Module) -> None:
        super().__init__()
        self.bert = bert

    def forward(self, input_ids, attention_mask, token_type_ids):  # noqa: ANN001, ANN201
        out = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
        return out.last_hidden_state


def export(model_dir: Path, out_dir: Path) -> Path:
    from transformers import AutoModel, AutoTokenizer

    # Eager attention traces to plain MatMul/Softmax; the SDPA path's mask helpers do not trace cleanly.
    bert = AutoModel.from_pretrained(str(model_dir), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    sample = tokenizer(["a short text", "and a somewhat longer one, to give the sample some padding"],
                       padding=True, return_tensors="pt")
    onnx_path = out_dir / "onnx" / "model.onnx"
    onnx_path.parent.mkdir(parents=True, exist_ok=True)
    dynamic = {0: "batch_size", 1: "sequence_length"}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(bert),
            (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
            str(onnx_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dynamic, "attention_mask": dynamic, "token_type_ids": dynamic,
                          "last_hidden_state": dynamic},
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )
    for name in COPIED_FILES:
        shutil.copyfile(model_dir / name, out_dir / name)
    config = json.loads((model_dir / "tokenizer_config.json").read_text())
    config["model_max_length"] = MAX_SEQ_LENGTH
    (out_dir / "tokenizer_config.json").write_text(json.dumps(config, indent=2) + "\n")
    return onnx_path


def verify(model_dir: Path, onnx_path: Path, texts: list[str]) -> float:
    """Smallest cosine between onnxruntime (mean pool + L2 norm done here) and sentence-transformers."""
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(model_dir), device="cpu")
    expected = st.encode(texts, batch_size=16, convert_to_numpy=True)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
    got = []
    for i in range(0, len(texts), 16):
        enc = st.tokenizer(texts[i:i + 16], padding=True, truncation=True, max_length=MAX_SEQ_LENGTH,
                           return_tensors="np")
        feeds = {k: enc[k].astype(np.int64) for k in ("input_ids", "attention_mask", "token_type_ids")}
        (hidden,) = session.run(["last_hidden_state"], feeds)
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
        got.append(pooled / np.linalg.norm(pooled, axis=1, keepdims=True))
    got = np.concatenate(got)
    if not np.isfinite(got).all():
        sys.exit("onnxruntime produced non-finite vectors")
    return float((got * expected).sum(1).min())


def main() -> None:
    parser = argparse.ArgumentParser(description="Export all-MiniLM-L6-v2 to ONNX for transformers.js")
    parser.add_argument("--model", default="sentence-transformers/all-MiniLM-L6-v2",
                        help="model folder, or a hub id looked up in the Hugging Face cache")
    parser.add_argument("--out", default=str(REPO / "bench/data/onnx-minilm"))
    parser.add_argument("--texts", default=str(REPO / "test/fixtures/parity/texts.json"),
                        help="texts to verify the export on")
    parser.add_argument("--skip-verify", action="store_true")
    args = parser.parse_args()

    model_dir = resolve_model_dir(args.model)
    out_dir = Path(args.out)
    onnx_path = export(model_dir, out_dir)
    print(f"exported {onnx_path} ({onnx_path.stat().st_size / 1e6:.1f} MB)", file=sys.stderr)
    if args.skip_verify:
        return
    texts = json.loads(Path(args.texts).read_text())
    worst = verify(model_dir, onnx_path, texts)
    print(f"verified on {len(texts)} texts: min cosine vs sentence-transformers {worst:.7f}", file=sys.stderr)
    if worst < MIN_COSINE:
        sys.exit(f"ONNX export differs from sentence-transformers (min cosine {worst} < {MIN_COSINE})")


if __name__ == "__main__":
    main()
