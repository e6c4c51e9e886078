// Preload for cli-wallclock.mjs: `node --import ./bench/daemon/trace-loads.mjs bin/ragctl.js …`
// writes to $RAGCTL_TRACE_LOADS, at exit, every module the process loaded: ES modules (seen by a
// resolve hook, in load order), CommonJS files (require's cache), native addons (the process
// report's shared objects) and Node built-ins (process.moduleLoadList).
import { writeFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const out = process.env.RAGCTL_TRACE_LOADS;
const esm = [];
if (out) {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (m) => esm.push(m));
  port1.unref();
  register('./trace-hooks.mjs', { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
  const t0 = performance.now();
  process.on('exit', () => {
    const cjs = Object.keys(createRequire(import.meta.url).cache);
    const shared = process.report.getReport().sharedObjects.filter((s) => s.endsWith('.node'));
    const builtins = process.moduleLoadList
      .filter((m) => m.startsWith('NativeModule '))
      .map((m) => m.slice(13));
    writeFileSync(out, JSON.stringify({ ms: performance.now() - t0, esm, cjs, addons: shared, builtins }));
  });
}
