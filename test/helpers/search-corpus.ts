import type { Workspace } from './index-workspace.js';

/**
 * A tiny hand-written corpus with four unrelated topics, so that the right top hit for a
 * question is not in doubt. `archive/old-notes.md` is dated 2020 for `--after` filters.
 */
export const CORPUS: Readonly<Record<string, string>> = {
  'cooking/carbonara.md': `# Carbonara

## Ingredients

Guanciale, egg yolks, pecorino romano and plenty of black pepper. No cream: the sauce is an
emulsion of egg, cheese and starchy pasta water.

## Method

Render the guanciale slowly, toss the spaghetti in its fat, then stir in the yolk and cheese
mixture off the heat so that the eggs thicken without scrambling.
`,
  'garden/tomatoes.md': `# Tomatoes

## Seedlings

Sow tomato seeds indoors six weeks before the last frost, and plant the seedlings out once the
nights stay above ten degrees.

## Watering

Water deeply at the base twice a week; uneven watering causes blossom end rot and split fruit.
`,
  'ops/backups.md': `# Backups

## Restore

To get files back from a restic snapshot, list the snapshots with restic snapshots and run
restic restore with the snapshot id and a target folder.

## Schedule

Nightly backups run at two in the morning from a systemd timer; retention keeps seven daily
and four weekly snapshots.
`,
  'archive/old-notes.md': `# Old notes

Meeting notes from 2019 about the office move, the new coffee machine and who sits where.
`,
};

export const OLD_FILE = 'archive/old-notes.md';
export const OLD_MTIME = new Date('2020-01-15T12:00:00Z');

/** Writes the corpus into the workspace's source folder. */
export async function writeCorpus(ws: Workspace): Promise<void> {
  for (const [rel, text] of Object.entries(CORPUS))
    await ws.write(rel, text, rel === OLD_FILE ? OLD_MTIME : undefined);
}
