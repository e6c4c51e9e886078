/**
 * `~/x` for paths in the home folder, `./x` under the current folder: shorter to read. Control
 * characters a file name may hold (a line break, a tab, an escape) are shown as `\n`, `\t`,
 * `\x1b`: printed raw they would split a result's line or drive the terminal.
 */
export function displayPath(path: string): string {
  return visible(shorter(path));
}

function shorter(path: string): string {
  const cwd = process.cwd();
  if (path.startsWith(`${cwd}/`)) return path.slice(cwd.length + 1);
  const home = process.env.HOME;
  if (home && path.startsWith(`${home}/`)) return `~/${path.slice(home.length + 1)}`;
  return path;
}

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function visible(path: string): string {
  return path.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is matched.
    /[\u0000-\u001f\u007f]/g,
    (c) => NAMED[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** `1,886 files (1,520 .gz, 300 .png, 66 other)`: files a source does not read, by kind. */
export function unreadKinds(files: number, kinds: readonly (readonly [string, number])[]): string {
  const shown = kinds.slice(0, 3).map(([kind, n]) => `${n.toLocaleString('en-US')} ${kind}`);
  const rest = files - kinds.slice(0, 3).reduce((sum, [, n]) => sum + n, 0);
  if (rest > 0) shown.push(`${rest.toLocaleString('en-US')} other`);
  return `${files.toLocaleString('en-US')} file${files === 1 ? '' : 's'} (${shown.join(', ')})`;
}

/** `1 statement`, `3 statements`: a count and its noun, for nouns that take an -s. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
