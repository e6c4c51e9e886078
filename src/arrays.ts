/**
 * Appends `items` to `target` in place. `target.push(...items)` passes every item as an argument,
 * and V8 throws "Maximum call stack size exceeded" past about 120,000 of them: a long file's
 * lines or pieces, a deleted folder's records.
 */
export function appendAll<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
