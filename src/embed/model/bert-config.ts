import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ModelError } from '../../errors.js';
import type { ModelFiles } from './resolve.js';
import type { TensorInfo } from './safetensors.js';

export type Pooling = 'mean' | 'cls' | 'max';

/** What the forward pass needs to know about a BERT-family encoder. */
export interface BertSpec {
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  vocabSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
  /** Tokens per text the model reads (sentence-transformers' max_seq_length, else positions). */
  maxTokens: number;
  pooling: Pooling;
  /** Prefix in front of tensor names (`bert.` in some checkpoints, empty in others). */
  prefix: string;
}

export interface BertOverrides {
  hiddenSize?: number | null;
  layers?: number | null;
  heads?: number | null;
  maxTokens?: number | null;
}

/** Reads config.json (+ sentence-transformers' side files) and checks it against the weights. */
export function readBertSpec(
  files: ModelFiles,
  tensors: Map<string, TensorInfo>,
  overrides: BertOverrides = {},
): BertSpec {
  const cfg = readJsonObject(files.config);
  const num = (key: string, fallback?: number): number => {
    const v = cfg[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new ModelError(files.config, `missing or non-numeric "${key}"`);
    }
    return v;
  };
  const modelType = cfg.model_type;
  // RoBERTa and DistilBERT name and shape tensors differently; fail here, where the reason is clear.
  if (modelType !== undefined && modelType !== 'bert') {
    throw new ModelError(
      files.config,
      `model_type ${JSON.stringify(modelType)} is not supported (BERT encoders only)`,
    );
  }
  const act = cfg.hidden_act ?? 'gelu';
  if (act !== 'gelu')
    throw new ModelError(files.config, `hidden_act "${String(act)}" is not supported (only "gelu")`);

  const stConfig = optionalJson(join(files.dir, 'sentence_bert_config.json'));
  const poolingConfig = optionalJson(join(files.dir, '1_Pooling', 'config.json'));
  const maxPositions = num('max_position_embeddings');
  const stMax = typeof stConfig?.max_seq_length === 'number' ? stConfig.max_seq_length : undefined;
  const spec: BertSpec = {
    hiddenSize: overrides.hiddenSize ?? num('hidden_size'),
    layers: overrides.layers ?? num('num_hidden_layers'),
    heads: overrides.heads ?? num('num_attention_heads'),
    intermediateSize: num('intermediate_size'),
    vocabSize: num('vocab_size'),
    maxPositions,
    typeVocabSize: num('type_vocab_size', 2),
    layerNormEps: num('layer_norm_eps', 1e-12),
    maxTokens: Math.min(overrides.maxTokens ?? stMax ?? maxPositions, maxPositions),
    pooling: poolingOf(poolingConfig),
    prefix: tensors.has('embeddings.word_embeddings.weight') ? '' : 'bert.',
  };
  if (spec.hiddenSize % spec.heads !== 0) {
    throw new ModelError(
      files.config,
      `hidden_size ${spec.hiddenSize} is not divisible by num_attention_heads ${spec.heads}`,
    );
  }
  checkTensors(files.weights, tensors, spec);
  return spec;
}

/** Every tensor the forward pass reads, with the shape it must have. */
export function expectedTensors(spec: BertSpec): Array<[string, number[]]> {
  const { hiddenSize: h, intermediateSize: i, prefix: p } = spec;
  const out: Array<[string, number[]]> = [
    [`${p}embeddings.word_embeddings.weight`, [spec.vocabSize, h]],
    [`${p}embeddings.position_embeddings.weight`, [spec.maxPositions, h]],
    [`${p}embeddings.token_type_embeddings.weight`, [spec.typeVocabSize, h]],
    [`${p}embeddings.LayerNorm.weight`, [h]],
    [`${p}embeddings.LayerNorm.bias`, [h]],
  ];
  for (let l = 0; l < spec.layers; l++) {
    const q = `${p}encoder.layer.${l}`;
    for (const part of ['query', 'key', 'value']) {
      out.push([`${q}.attention.self.${part}.weight`, [h, h]], [`${q}.attention.self.${part}.bias`, [h]]);
    }
    out.push(
      [`${q}.attention.output.dense.weight`, [h, h]],
      [`${q}.attention.output.dense.bias`, [h]],
      [`${q}.attention.output.LayerNorm.weight`, [h]],
      [`${q}.attention.output.LayerNorm.bias`, [h]],
      [`${q}.intermediate.dense.weight`, [i, h]],
      [`${q}.intermediate.dense.bias`, [i]],
      [`${q}.output.dense.weight`, [h, i]],
      [`${q}.output.dense.bias`, [h]],
      [`${q}.output.LayerNorm.weight`, [h]],
      [`${q}.output.LayerNorm.bias`, [h]],
    );
  }
  return out;
}

function checkTensors(file: string, tensors: Map<string, TensorInfo>, spec: BertSpec): void {
  for (const [name, shape] of expectedTensors(spec)) {
    const t = tensors.get(name);
    if (!t) throw new ModelError(file, `missing tensor ${name} (does config.json match these weights?)`);
    if (t.shape.length !== shape.length || t.shape.some((d, k) => d !== shape[k])) {
      throw new ModelError(
        file,
        `tensor ${name} has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}] from config.json`,
      );
    }
    if (!['F32', 'F16', 'BF16'].includes(t.dtype))
      throw new ModelError(file, `tensor ${name} has dtype ${t.dtype}; expected a float type`);
  }
}

function poolingOf(cfg: Record<string, unknown> | undefined): Pooling {
  if (!cfg) return 'mean';
  if (cfg.pooling_mode_cls_token === true) return 'cls';
  if (cfg.pooling_mode_max_tokens === true) return 'max';
  return 'mean';
}

function readJsonObject(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ModelError(file, 'missing or unreadable', { cause: err, missing: true });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelError(file, `is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ModelError(file, 'is not a JSON object');
  return json as Record<string, unknown>;
}

function optionalJson(file: string): Record<string, unknown> | undefined {
  return existsSync(file) ? readJsonObject(file) : undefined;
}
