import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { errnoCode, errorMessage } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * A measurement kept per machine (`~/.cache/ragctl/<prefix>-<hash of key>.json`): measuring takes
 * seconds to minutes, so it is taken once for what it depends on (the key) and read back after.
 * Both the OpenBLAS kernel choice and `type: auto`'s backend choice are such measurements.
 */
export function measurementFile(prefix: string, key: string, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 16);
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'ragctl', `${prefix}-${hash}.json`);
}

/**
 * The kept measurement, or undefined when there is none or it is unreadable or malformed (then
 * it is measured again, which is always safe). `what` names it in the warning.
 */
export function readMeasurement<T>(
  file: string,
  valid: (json: T) => boolean,
  what: string,
  log?: Logger,
): T | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as T;
    if (json !== null && typeof json === 'object' && valid(json)) return json;
    log?.warn({ file }, `ignoring a malformed ${what}; measuring again`);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT')
      log?.warn({ file, err: errorMessage(err) }, `cannot read the ${what}; measuring again`);
  }
  return undefined;
}

/** Keeps a measurement atomically (temp file + rename); a failure only costs measuring again. */
export function writeMeasurement(file: string, value: unknown, what: string, log: Logger): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, file);
  } catch (err) {
    log.warn(
      { file, err: errorMessage(err) },
      `cannot keep the ${what}; it is taken again at the next start`,
    );
  }
}
