import { ModelError } from '../../errors.js';
import { WordPieceTokenizer } from '../tokenizer.js';
import { type BertOverrides, type BertSpec, readBertSpec } from './bert-config.js';
import { weightsFingerprint } from './fingerprint.js';
import { type ModelFiles, resolveModel } from './resolve.js';
import { readSafetensorsHeader, type TensorInfo } from './safetensors.js';

/**
 * A BERT sentence encoder's files as every backend sees them, checked without loading the
 * weights: the folder, the safetensors header, config.json against the tensors, the weights'
 * fingerprint, and (on first use) the tokenizer against the vocabulary. Each backend (MLX,
 * onnx) runs the same weights behind the same tokenizer, so they share this.
 */
export class BertModel {
  readonly files: ModelFiles;
  readonly tensors: Map<string, TensorInfo>;
  readonly spec: BertSpec;
  /** `<id>@<fingerprint of the weights>`: the weights' identity, whatever runs them. */
  readonly weightsId: string;
  #tokenizer: WordPieceTokenizer | undefined;

  constructor(model: string, overrides: BertOverrides = {}, env?: NodeJS.ProcessEnv) {
    this.files = resolveModel(model, env);
    this.tensors = readSafetensorsHeader(this.files.weights);
    this.spec = readBertSpec(this.files, this.tensors, overrides);
    this.weightsId = `${this.files.id}@${weightsFingerprint(this.files.weights)}`;
  }

  /** Loaded on first access, and checked against the weights' vocabulary. */
  get tokenizer(): WordPieceTokenizer {
    if (!this.#tokenizer) {
      const tokenizer = new WordPieceTokenizer(this.files.dir, this.spec.maxTokens);
      const maxId = tokenizer.maxId();
      if (maxId >= this.spec.vocabSize) {
        throw new ModelError(
          this.files.tokenizer,
          `produces ids up to ${maxId}, but the model's vocabulary has ${this.spec.vocabSize} entries (tokenizer and weights do not match)`,
        );
      }
      this.#tokenizer = tokenizer;
    }
    return this.#tokenizer;
  }
}
