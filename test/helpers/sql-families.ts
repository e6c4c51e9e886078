import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface QueryFamily {
  name: string;
  /** Equivalent spellings; `"` quotes a name (turned into backticks for MariaDB). */
  spellings: string[];
}

export interface FamiliesFixture {
  setup: { postgresql: string[]; mysql: string[] };
  families: QueryFamily[];
  failing: { postgresql: string; mysql: string };
}

export const FAMILIES_PATH = fileURLToPath(new URL('../fixtures/sql/families.json', import.meta.url));

export function loadFamilies(): FamiliesFixture {
  return JSON.parse(readFileSync(FAMILIES_PATH, 'utf8')) as FamiliesFixture;
}

export function forMysql(sql: string): string {
  return sql.replaceAll('"', '`');
}
