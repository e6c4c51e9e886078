import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options?: { type: 'minor' | 'major' }) => void;
let collect: Collect | undefined;

/**
 * V8's `gc()`, also in a process started without `--expose-gc`. Native libraries (node-mlx,
 * LanceDB) free their memory only when V8 collects the small JS wrappers that hold it, and V8,
 * not knowing the native size, may not collect them for a long time.
 */
export function collectGarbage(kind: 'minor' | 'full'): void {
  if (!collect) {
    const exposed = (globalThis as { gc?: Collect }).gc;
    if (exposed) {
      collect = exposed;
    } else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as Collect;
    }
  }
  // `gc()` is a full collection; `{ type: 'major' }` is not.
  if (kind === 'minor') collect({ type: 'minor' });
  else collect();
}
