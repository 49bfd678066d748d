// The composed component on V8: transpiled by jco (@bytecodealliance/jco-transpile, pinned in
// package.json) and run in Node. Usage: node run.mjs COMPOSED.wasm OUT_DIR
// Prints one JSON line per workload: median ns per call over 15 loops of about 5 ms (loop included).
import { transpile, writeFiles } from '@bytecodealliance/jco-transpile';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [composed, outDir] = process.argv.slice(2);
const { files } = await transpile(composed, { outDir, name: 'composed' });
await writeFiles(files);
const m = await import(pathToFileURL(join(outDir, 'composed.js')).href);
const loops = { k0: (n) => m.runK0(n), k1: (n) => m.runK1(n), kptr: (n) => m.runKptr(n) };
for (const b of [0, 16, 256, 4096, 65536]) loops[`copy ${b}`] = (n) => m.runCopy(n, b);

const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
for (const [name, run] of Object.entries(loops)) {
  const checksum = run(1000);
  let t = process.hrtime.bigint();
  run(100);
  const per = Number(process.hrtime.bigint() - t) / 100;
  const n = Math.min(1_000_000, Math.max(100, Math.round(5e6 / Math.max(per, 1))));
  const samples = [];
  for (let i = 0; i < 15; i++) {
    t = process.hrtime.bigint();
    run(n);
    samples.push(Number(process.hrtime.bigint() - t) / n);
  }
  console.log(JSON.stringify({ workload: name, ns_per_call: median(samples), checksum }));
}
