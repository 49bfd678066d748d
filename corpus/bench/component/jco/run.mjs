// The two C components on V8: transpiled by jco (@bytecodealliance/jco-transpile, pinned in
// package.json) and run in Node (target/node-v26.10.0). Not part of the lab's run; by hand:
//   npm install --prefix corpus/bench/component/jco
//   node corpus/bench/component/jco/run.mjs CALLEE.component.wasm CALLER.component.wasm OUT_DIR
// (the components: experiments/component's build, e.g. under target/dylab-cache/component-src).
// The callee is transpiled on its own and bound to the caller's import through jco's import map, so
// every call crosses in jco's JavaScript glue, as in a transpiled composition. Prints, per workload,
// the median ns per call over 15 loops of about 5 ms (loop included) and a checksum of 10 calls.
import { transpile, writeFiles } from '@bytecodealliance/jco-transpile';
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';

const [callee, caller, out] = process.argv.slice(2);
await writeFiles((await transpile(callee, { outDir: `${out}/callee`, name: 'callee' })).files);
const map = { 'dylab:bench/kernels': '../callee/callee.js#kernels' };
await writeFiles((await transpile(caller, { outDir: `${out}/caller`, name: 'caller', map })).files);
await writeFile(`${out}/package.json`, '{"type":"module","private":true}\n');
const m = await import(pathToFileURL(`${out}/caller/caller.js`).href);

const loops = { k0: (n) => m.runK0(n), k1: (n) => m.runK1(n), kptr: (n) => m.runKptr(n) };
for (const b of [0, 16, 256, 4096, 65536]) loops[`copy ${b}`] = (n) => m.runCopy(n, b);
const median = (v) => v.sort((a, b) => a - b)[v.length >> 1];
for (const [name, run] of Object.entries(loops)) {
  const checksum = run(10);
  run(1000);
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
  console.log(JSON.stringify({ workload: name, ns_per_call: +median(samples).toFixed(1), checksum_of_10: checksum }));
}
