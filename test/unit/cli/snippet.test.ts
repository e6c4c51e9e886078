import { describe, expect, it } from 'vitest';
import { excerpt as excerptOf, SNIPPET_CHARS } from '../../../src/cli/snippet.js';

/** As the result line calls it: on the body with its whitespace folded. */
const excerpt = (body: string, query: string) => excerptOf(body.replace(/\s+/g, ' ').trim(), query);

/** Prose that names none of the test queries' words, `n` characters or a little more. */
function filler(n: number, seed = 'lorem ipsum dolor sit amet consectetur adipiscing elit'): string {
  let out = '';
  while (out.length < n) out += `${seed}. `;
  return out;
}

describe('excerpt: the stretch of a hit a result line shows', () => {
  it('a body that fits is shown whole', () => {
    expect(excerpt('Run the installer.', 'installer')).toBe('Run the installer.');
  });

  it('keeps the opening when it shows the query as well as any other stretch', () => {
    const body = `Restic backs up the laptop every night. ${filler(600)} Restic again.`;
    const shown = excerpt(body, 'restic nightly backup');
    expect(shown.startsWith('Restic backs up the laptop')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
    expect(shown.length).toBeLessThanOrEqual(SNIPPET_CHARS + 1);
  });

  it('moves to the sentence that holds the query words, marked with a leading …', () => {
    const body = `${filler(500)} The second carpenter quoted 2,150 for larch. ${filler(500)}`;
    const shown = excerpt(body, 'what did the second carpenter quote for larch');
    expect(shown.startsWith('…The second carpenter quoted 2,150 for larch.')).toBe(true);
    expect(shown.endsWith('…')).toBe(true);
  });

  it('prefers the stretch with the most distinct query words, not the first one with any', () => {
    const body = `${filler(300)} A fence is mentioned here. ${filler(400)} Maria quoted the cedar fence at 2,400. ${filler(300)}`;
    expect(excerpt(body, 'cedar fence quote')).toMatch(/^…Maria quoted the cedar fence at 2,400\./);
  });

  it('the frame of a question places nothing: only its content words do', () => {
    const body = `${filler(400)} How do I do this and what is it? ${filler(400)}`;
    expect(excerpt(body, 'how do I do this').startsWith('lorem ipsum')).toBe(true);
  });

  it('matches a word by its first five letters, and a short plural by its singular', () => {
    const body = `${filler(400)} Restoring a folder took eleven minutes. ${filler(200)} Three beds of larch. ${filler(400)}`;
    expect(excerpt(body, 'restore')).toMatch(/^…Restoring a folder/);
    expect(excerpt(body, 'bed')).toMatch(/^…Three beds of larch\./);
  });

  it('a stretch at the end shows the text before it too, and no trailing …', () => {
    const body = `${filler(600)} Slugs: try copper tape around the edges.`;
    const shown = excerpt(body, 'slugs');
    expect(shown.endsWith('Slugs: try copper tape around the edges.')).toBe(true);
    expect(shown.startsWith('…')).toBe(true);
    expect(shown.length).toBeGreaterThan(SNIPPET_CHARS - 20);
  });

  it('letters beyond ASCII are words too', () => {
    const body = `${filler(500)} Renew the passport at the Bürgeramt on Dec 12. ${filler(300)}`;
    expect(excerpt(body, 'Bürgeramt appointment')).toMatch(/^…Renew the passport at the Bürgeramt/);
  });

  it('no query word in the body: the opening', () => {
    const body = filler(800);
    expect(excerpt(body, 'zebra').startsWith('lorem ipsum')).toBe(true);
  });
});
