/** A condition that makes the daemon report `degraded`, with what the user can do. */
export interface Trouble {
  reason: string;
  fix: string;
  sinceMs: number;
}
