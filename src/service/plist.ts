import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { commandFromArgv, programArguments } from './spec.js';
import { NICE, OPEN_FILES, STOP_TIMEOUT_S, THROTTLE_INTERVAL_S } from './tuning.js';
import type { InstalledCommand, ServiceSpec } from './types.js';

/** The template shipped in launchd/ (beside src/ and dist/ alike). */
export function templatePath(): string {
  return fileURLToPath(new URL('../../launchd/com.ragctl.ragd.plist.template', import.meta.url));
}

export function readTemplate(path: string = templatePath()): string {
  return readFileSync(path, 'utf8');
}

/** The launchd agent plist for `spec`, from the template. */
export function renderPlist(spec: ServiceSpec, template: string): string {
  return fillTemplate(template, {
    LABEL: spec.name,
    PROGRAM_ARGUMENTS: { strings: programArguments(spec) },
    WORKING_DIRECTORY: spec.home,
    ENVIRONMENT_VARIABLES: { dict: spec.environment },
    THROTTLE_INTERVAL_S: String(THROTTLE_INTERVAL_S),
    EXIT_TIMEOUT_S: String(STOP_TIMEOUT_S),
    NICE: String(NICE),
    OPEN_FILES: String(OPEN_FILES),
    STDOUT_PATH: spec.stdoutPath,
    STDERR_PATH: spec.stderrPath,
  });
}

/** A scalar is escaped text; `strings` becomes `<string>` elements, `dict` key/string pairs. */
export type TemplateValue =
  | string
  | { readonly strings: readonly string[] }
  | { readonly dict: Readonly<Record<string, string>> };

const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

/**
 * Replaces every `{{NAME}}` with its XML-escaped value. A placeholder without a value, or a
 * value no placeholder asks for, is an error: the template and this code must not drift apart.
 */
export function fillTemplate(template: string, values: Readonly<Record<string, TemplateValue>>): string {
  const used = new Set<string>();
  const out = template.replace(PLACEHOLDER, (_whole, key: string, offset: number) => {
    const value = values[key];
    if (value === undefined) throw new Error(`plist template: no value for {{${key}}}`);
    used.add(key);
    if (typeof value === 'string') return xmlEscape(value);
    // Elements after the first line up under the placeholder's own indentation.
    const lineStart = template.lastIndexOf('\n', offset) + 1;
    const indent = template.slice(lineStart, offset).match(/^[ \t]*/)?.[0] ?? '';
    const lines =
      'strings' in value
        ? value.strings.map((s) => `<string>${xmlEscape(s)}</string>`)
        : Object.entries(value.dict).flatMap(([k, v]) => [
            `<key>${xmlEscape(k)}</key>`,
            `<string>${xmlEscape(v)}</string>`,
          ]);
    return lines.join(`\n${indent}`);
  });
  const unused = Object.keys(values).filter((k) => !used.has(k));
  if (unused.length > 0) throw new Error(`plist template: no placeholder for ${unused.join(', ')}`);
  return out;
}

/** Text for an XML element or attribute: the five XML specials as entities. */
export function xmlEscape(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

export function xmlUnescape(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(Number.parseInt(entity.slice(1), 10));
    return NAMED_ENTITIES[entity] ?? whole;
  });
}

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/**
 * ProgramArguments read back from an installed plist — enough for `status` to say what the
 * agent runs. Handles the XML plist format install writes (a copy converted to binary by
 * hand gives null: status then says it cannot read the file).
 */
export function readPlistCommand(plistText: string): InstalledCommand | null {
  const withoutComments = plistText.replace(/<!--[\s\S]*?-->/g, '');
  const block = withoutComments.match(/<key>\s*ProgramArguments\s*<\/key>\s*<array>([\s\S]*?)<\/array>/);
  if (!block?.[1]) return null;
  const argv = [...block[1].matchAll(/<string>([\s\S]*?)<\/string>|<string\s*\/>/g)].map((m) =>
    xmlUnescape(m[1] ?? ''),
  );
  return commandFromArgv(argv);
}
