import { commandFromArgv, programArguments } from './spec.js';
import { NICE, OPEN_FILES, RESTART_SEC, STOP_TIMEOUT_S } from './tuning.js';
import type { InstalledCommand, ServiceSpec } from './types.js';

/**
 * Exit statuses that a restart cannot fix (ragctl's documented codes): 2 bad usage or config,
 * 4 model missing or unusable. Restarting on them would only fill the journal.
 */
export const RESTART_PREVENT_EXIT_STATUS = [2, 4] as const;
/**
 * best-effort at its lowest priority rather than the idle class: idle I/O waits for a quiet
 * disk, which can starve the daemon's reads for a search the user is waiting on.
 */
export const IO_SCHEDULING = { class: 'best-effort', priority: 7 } as const;

/** The systemd user unit for `spec`. */
export function renderUnit(spec: ServiceSpec): string {
  const environment = Object.entries(spec.environment).map(
    ([key, value]) => `Environment=${quoteUnitWord(`${key}=${value}`, { dollars: false })}`,
  );
  return [
    '# Written by `ragctl daemon install`; `ragctl daemon uninstall` removes it. The next install',
    '# overwrites edits, and `ragctl daemon status` reports a copy that differs.',
    '[Unit]',
    `Description=${escapeSpecifiers(`ragctl search daemon (ragd) for ${spec.configPath}`)}`,
    'After=default.target',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${execLine(programArguments(spec))}`,
    // Restart after a crash, never after a clean exit or `systemctl stop`.
    'Restart=on-failure',
    `RestartSec=${RESTART_SEC}`,
    `RestartPreventExitStatus=${RESTART_PREVENT_EXIT_STATUS.join(' ')}`,
    `Nice=${NICE}`,
    `IOSchedulingClass=${IO_SCHEDULING.class}`,
    `IOSchedulingPriority=${IO_SCHEDULING.priority}`,
    `LimitNOFILE=${OPEN_FILES}`,
    ...environment,
    'KillSignal=SIGTERM',
    // SIGTERM to the daemon only: it stops its embed worker itself; stragglers get SIGKILL.
    'KillMode=mixed',
    `TimeoutStopSec=${STOP_TIMEOUT_S}`,
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

/** `ExecStart=` text that systemd splits back into exactly `argv`. */
export function execLine(argv: readonly string[]): string {
  // Variables are expanded in the arguments only, never in the program's path.
  return argv.map((arg, i) => quoteUnitWord(arg, { dollars: i > 0 })).join(' ');
}

/**
 * One word of a unit line, per systemd.service(5) "Command lines": `%` doubled (specifiers are
 * expanded first, on the whole line), `$` doubled where variables are expanded (a command's
 * arguments), then backslash and double quote C-escaped inside double quotes. Plain words
 * stay bare.
 */
export function quoteUnitWord(word: string, options: { dollars: boolean }): string {
  let text = escapeSpecifiers(word);
  // A function, not a string: in a replacement string `$$` means one `$`.
  if (options.dollars) text = text.replaceAll('$', () => '$$');
  if (/^[A-Za-z0-9_@+=:,./-]+$/.test(text)) return text;
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

export function escapeSpecifiers(text: string): string {
  return text.replaceAll('%', '%%');
}

/** A unit file as sections of key/value pairs, in order (keys may repeat, as Environment= does). */
export function parseUnitFile(text: string): Map<string, Array<[string, string]>> {
  const sections = new Map<string, Array<[string, string]>>();
  let current: Array<[string, string]> | null = null;
  // A line ending in a backslash continues on the next one.
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = line.match(/^\[([^\]]+)\]$/);
    if (section?.[1]) {
      current = sections.get(section[1]) ?? [];
      sections.set(section[1], current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !current) continue;
    current.push([line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return sections;
}

/** The words systemd makes of an `ExecStart=` value (specifiers other than `%%` left as they are). */
export function splitExecLine(value: string): string[] {
  return splitUnitValue(value).map((w, i) => (i > 0 ? w.replaceAll('$$', () => '$') : w));
}

/** The words of a quoted setting such as `Environment=`: `%%` undone, quotes removed, C escapes applied. */
export function splitUnitValue(value: string): string[] {
  return splitUnitWords(value.replaceAll('%%', '%'));
}

const C_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  s: ' ',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Whitespace-separated words; quotes group and are removed; C escapes apply (systemd's rules). */
function splitUnitWords(text: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && /\s/.test(text[i] ?? '')) i++;
    if (i >= text.length) break;
    let word = '';
    let quote: string | null = null;
    for (; i < text.length; i++) {
      const ch = text[i] ?? '';
      if (quote === null && /\s/.test(ch)) break;
      if (ch === '\\' && i + 1 < text.length) {
        const next = text[++i] ?? '';
        word += C_ESCAPES[next] ?? `\\${next}`;
      } else if (quote !== null && ch === quote) {
        quote = null;
      } else if (quote === null && (ch === '"' || ch === "'")) {
        quote = ch;
      } else {
        word += ch;
      }
    }
    words.push(word);
  }
  return words;
}

/** ExecStart read back from an installed unit; null when there is none. */
export function readUnitCommand(unitText: string): InstalledCommand | null {
  const service = parseUnitFile(unitText).get('Service') ?? [];
  const exec = service.filter(([k]) => k === 'ExecStart').at(-1)?.[1];
  if (!exec) return null;
  return commandFromArgv(splitExecLine(exec));
}
