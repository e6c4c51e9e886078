import { describe, expect, it } from 'vitest';
import { encodeFrame, FrameDecoder } from '../../../src/ipc/framing.js';
import { resolveLimits } from '../../../src/ipc/limits.js';
import { ProtocolError } from '../../../src/ipc/protocol.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('FrameDecoder', () => {
  it('splits frames however the bytes are chunked', () => {
    const stream = Buffer.concat([encodeFrame('{"a":1}'), encodeFrame('{"b":"é€𝄞"}'), encodeFrame('[]')]);
    const whole = new FrameDecoder(1024).push(stream);
    expect(whole).toEqual({ frames: ['{"a":1}', '{"b":"é€𝄞"}', '[]'], overflow: false });

    // One byte at a time, splitting multi-byte characters too.
    const decoder = new FrameDecoder(1024);
    const frames: Array<string | ProtocolError> = [];
    for (const byte of stream) frames.push(...decoder.push(Buffer.from([byte])).frames);
    expect(frames).toEqual(['{"a":1}', '{"b":"é€𝄞"}', '[]']);
    expect(decoder.pendingBytes).toBe(0);
  });

  it('knows when a message has begun; whitespace alone does not begin one and empty frames are skipped', () => {
    const decoder = new FrameDecoder(1024);
    expect(decoder.push(bytes('\n \t\r'))).toEqual({ frames: [], overflow: false });
    expect(decoder.isMidFrame).toBe(false);
    expect(decoder.push(bytes('\f\f  \f'))).toEqual({ frames: [], overflow: false });
    decoder.push(bytes('\n{"x"'));
    expect(decoder.isMidFrame).toBe(true);
    expect(decoder.push(bytes(':1}\f')).frames).toEqual(['\n{"x":1}']);
    expect(decoder.isMidFrame).toBe(false);
  });

  it('reports invalid UTF-8 for that frame only and goes on', () => {
    const decoder = new FrameDecoder(1024);
    const { frames } = decoder.push(
      Buffer.concat([Buffer.from([0x22, 0xc3, 0x28, 0x22, 0x0c]), encodeFrame('1')]),
    );
    expect(frames[0]).toBeInstanceOf(ProtocolError);
    expect((frames[0] as ProtocolError).code).toBe('E_PROTOCOL');
    expect(frames[1]).toBe('1');
  });

  it('allows a frame of exactly the limit and stops at one byte more, keeping the frames before it', () => {
    expect(new FrameDecoder(4).push(bytes('abcd\f'))).toEqual({ frames: ['abcd'], overflow: false });
    const decoder = new FrameDecoder(4);
    expect(decoder.push(bytes('ab\fabc'))).toEqual({ frames: ['ab'], overflow: false });
    expect(decoder.push(bytes('de'))).toEqual({ frames: [], overflow: true });
    expect(decoder.pendingBytes).toBe(0);
  });

  it('holds no more than the limit while a frame grows', () => {
    const decoder = new FrameDecoder(1000);
    for (let i = 0; i < 9; i++) expect(decoder.push(Buffer.alloc(100, 0x61)).overflow).toBe(false);
    expect(decoder.pendingBytes).toBe(900);
    expect(decoder.push(Buffer.alloc(200, 0x61)).overflow).toBe(true);
  });
});

describe('resolveLimits', () => {
  it('applies overrides and refuses nonsense', () => {
    expect(resolveLimits({ maxConnections: 2, maxSockets: 4 })).toMatchObject({
      maxConnections: 2,
      maxSockets: 4,
    });
    expect(Object.isFrozen(resolveLimits())).toBe(true);
    expect(() => resolveLimits({ idleTimeoutMs: 0 })).toThrow(/idleTimeoutMs/);
    expect(() => resolveLimits({ maxRequestBytes: 1.5 })).toThrow(/maxRequestBytes/);
    expect(() => resolveLimits({ maxConnections: 10, maxSockets: 5 })).toThrow(/maxSockets/);
  });
});
