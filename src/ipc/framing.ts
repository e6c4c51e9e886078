import { errorMessage } from '../errors.js';
import { ProtocolError } from './protocol.js';

/**
 * Frames are UTF-8 JSON ended by a form feed, node-ipc's default delimiter. JSON never holds a
 * raw form feed (JSON.stringify escapes control characters), so the byte cannot occur inside one.
 */
export const FRAME_DELIMITER = 0x0c;

export function encodeFrame(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const frame = Buffer.allocUnsafe(body.length + 1);
  body.copy(frame);
  frame[body.length] = FRAME_DELIMITER;
  return frame;
}

export interface DecodeResult {
  /** Complete frames in order: their text, or why a frame could not be read (the stream goes on). */
  frames: Array<string | ProtocolError>;
  /** A frame outgrew the limit: the rest of the stream cannot be trusted, so the peer must go. */
  overflow: boolean;
}

/**
 * Splits a byte stream into frames with a bound on each: bytes are kept only until their frame
 * ends, and a frame larger than `maxFrameBytes` stops decoding instead of growing memory.
 * (node-ipc's own parser keeps appending until a chunk happens to end with the delimiter.)
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  readonly #utf8 = new TextDecoder('utf-8', { fatal: true });
  #parts: Buffer[] = [];
  #pendingBytes = 0;
  #hasContent = false;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /**
   * True while a frame has begun and not ended. Whitespace alone does not begin one, so the
   * newline `echo` adds after a frame does not count as a message that never finishes.
   */
  get isMidFrame(): boolean {
    return this.#hasContent;
  }

  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  push(chunk: Buffer): DecodeResult {
    const frames: Array<string | ProtocolError> = [];
    let start = 0;
    while (start < chunk.length) {
      const end = chunk.indexOf(FRAME_DELIMITER, start);
      const piece = chunk.subarray(start, end === -1 ? chunk.length : end);
      if (this.#pendingBytes + piece.length > this.#maxFrameBytes) {
        this.#reset();
        return { frames, overflow: true };
      }
      if (piece.length > 0) {
        this.#parts.push(piece);
        this.#pendingBytes += piece.length;
        this.#hasContent ||= hasNonWhitespace(piece);
      }
      if (end === -1) break;
      if (this.#hasContent) frames.push(this.#decode());
      this.#reset();
      start = end + 1;
    }
    return { frames, overflow: false };
  }

  #decode(): string | ProtocolError {
    const bytes = this.#parts.length === 1 ? this.#parts[0]! : Buffer.concat(this.#parts, this.#pendingBytes);
    try {
      return this.#utf8.decode(bytes);
    } catch (err) {
      // TextDecoder's only failure in fatal mode is a malformed byte sequence.
      return new ProtocolError('E_PROTOCOL', `message is not valid UTF-8 (${errorMessage(err)})`);
    }
  }

  #reset(): void {
    this.#parts = [];
    this.#pendingBytes = 0;
    this.#hasContent = false;
  }
}

/** JSON's insignificant whitespace: space, tab, LF, CR. */
function hasNonWhitespace(bytes: Buffer): boolean {
  for (const byte of bytes) {
    if (byte !== 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d) return true;
  }
  return false;
}
