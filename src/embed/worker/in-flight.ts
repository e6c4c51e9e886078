import type { Job } from './queue.js';

/** A request the child is working on. */
export interface InFlight {
  readonly job: Job;
  readonly id: number;
  /** When it went out (performance.now()). */
  readonly sentAt: number;
  readonly timer: NodeJS.Timeout;
}

/**
 * The requests sent to the current child and not yet answered, by id, each with its deadline
 * timer. Every way out of the set stops the timer, so no deadline fires for a request that
 * was answered, taken back after a death, or failed.
 */
export class InFlightRequests {
  readonly #byId = new Map<number, InFlight>();
  #nextId = 1;

  get size(): number {
    return this.#byId.size;
  }

  /** Records `job` as sent; `onDeadline` runs if it is still out after `deadlineMs`. Returns its id. */
  add(job: Job, deadlineMs: number, onDeadline: () => void): number {
    const id = this.#nextId++;
    const timer = setTimeout(onDeadline, deadlineMs);
    this.#byId.set(id, { job, id, sentAt: performance.now(), timer });
    return id;
  }

  /** The request answered as `id`, its deadline stopped; undefined when no such request is out. */
  take(id: number): InFlight | undefined {
    const flight = this.#byId.get(id);
    if (!flight) return undefined;
    clearTimeout(flight.timer);
    this.#byId.delete(id);
    return flight;
  }

  /** Every request out, in the order sent, deadlines stopped; the set is empty afterwards. */
  takeAll(): InFlight[] {
    const flights = [...this.#byId.values()];
    for (const flight of flights) clearTimeout(flight.timer);
    this.#byId.clear();
    return flights;
  }
}
