import type { Node } from 'jsonc-parser';
import { ConvertedLines, type ConvertedText } from './converted.js';
import { property, readJsonObject } from './json-tree.js';

interface Card {
  id: string;
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** What the card shows: a text card's Markdown, a file card's path, a link's address, a group's label. */
  content: string;
  /** The 0-based file line its JSON object starts on. */
  line: number;
}

/**
 * A JSON Canvas board (`.canvas`, jsoncanvas.org 1.0: Obsidian's canvases) as the Markdown it
 * reads as: each labelled group a heading, with the cards inside it below; the cards in reading
 * order, top to bottom and left to right (cards in no group first); a text card's Markdown as
 * it is, a file card as the note it shows (`File: plans/garden.md`), a link card as its address,
 * and after a card the cards its labelled arrows point to (`→ Order seeds (before March)`).
 * `lines[i]` is the file line of the card behind line `i`. A file that is not a canvas is
 * skipped, saying why.
 */
export function canvasToMarkdown(json: string): ConvertedText {
  const { root, lineAt } = readJsonObject(json, 'a JSON Canvas');
  const cards = (property(root, 'nodes')?.children ?? []).flatMap((node) => {
    const card = cardOf(node, lineAt);
    return card ? [card] : [];
  });
  const byId = new Map(cards.map((c) => [c.id, c]));
  const arrows = new Map<string, { to: string; label: string }[]>();
  for (const edge of property(root, 'edges')?.children ?? []) {
    const from = property(edge, 'fromNode')?.value;
    const to = property(edge, 'toNode')?.value;
    const label = property(edge, 'label')?.value;
    if (typeof from !== 'string' || typeof to !== 'string' || typeof label !== 'string' || !label.trim())
      continue;
    arrows.set(from, [...(arrows.get(from) ?? []), { to, label: label.trim() }]);
  }

  const groups = cards.filter((c) => c.type === 'group').sort(readingOrder);
  const inGroup = new Map<Card | undefined, Card[]>([undefined, ...groups].map((g) => [g, []]));
  for (const card of cards.filter((c) => c.type !== 'group').sort(readingOrder)) {
    inGroup.get(smallestGroupAround(card, groups))!.push(card);
  }

  const out = new ConvertedLines();
  const paragraphBreak = (line: number) => {
    if (out.length && out.line(-1) !== '') out.push('', line);
  };
  const write = (card: Card) => {
    paragraphBreak(card.line);
    // A text card is Markdown; a file or link card's line is text.
    if (card.type === 'text')
      for (const line of card.content.replace(/\r\n?/g, '\n').split('\n')) out.push(line, card.line);
    else out.pushText(card.type === 'file' ? `File: ${card.content}` : card.content, card.line);
    for (const arrow of arrows.get(card.id) ?? []) {
      const target = byId.get(arrow.to);
      const name = target ? firstLine(target) : '';
      out.pushText(name ? `→ ${name} (${arrow.label})` : `→ ${arrow.label}`, card.line);
    }
  };
  for (const card of inGroup.get(undefined)!) write(card);
  for (const group of groups) {
    const inside = inGroup.get(group)!;
    if (!inside.length && !group.content) continue;
    if (group.content) {
      paragraphBreak(group.line);
      out.push(`# ${group.content.replace(/\s+/g, ' ').trim()}`, group.line);
    }
    for (const card of inside) write(card);
  }
  return out.finish('markdown');
}

function cardOf(node: Node, lineAt: (offset: number) => number): Card | undefined {
  const value = (key: string) => property(node, key)?.value;
  const id = value('id');
  const type = value('type');
  if (typeof id !== 'string' || typeof type !== 'string') return undefined;
  const content = value(
    type === 'text'
      ? 'text'
      : type === 'file'
        ? 'file'
        : type === 'link'
          ? 'url'
          : type === 'group'
            ? 'label'
            : '',
  );
  if (typeof content !== 'string' || (type !== 'group' && !content.trim())) return undefined;
  const number = (key: string) => {
    const n = value(key);
    return typeof n === 'number' && Number.isFinite(n) ? n : 0;
  };
  return {
    id,
    type,
    x: number('x'),
    y: number('y'),
    width: number('width'),
    height: number('height'),
    content: type === 'file' ? `${content}${stringOr(value('subpath'))}` : content,
    line: lineAt(node.offset),
  };
}

function stringOr(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

/** Top to bottom, then left to right. */
function readingOrder(a: Card, b: Card): number {
  return a.y - b.y || a.x - b.x;
}

/** The smallest group whose box holds the card's centre: groups may nest. */
function smallestGroupAround(card: Card, groups: readonly Card[]): Card | undefined {
  const cx = card.x + card.width / 2;
  const cy = card.y + card.height / 2;
  let best: Card | undefined;
  for (const g of groups) {
    const holds = cx >= g.x && cx <= g.x + g.width && cy >= g.y && cy <= g.y + g.height;
    if (holds && (!best || g.width * g.height < best.width * best.height)) best = g;
  }
  return best;
}

/** A card's name in an arrow's line: its first line of text, without Markdown's heading marks, cut at 80 characters. */
function firstLine(card: Card): string {
  const line = (card.content.split('\n').find((l) => l.trim()) ?? '').replace(/^#+\s*/, '').trim();
  return line.length > 80 ? `${line.slice(0, 79)}…` : line;
}
