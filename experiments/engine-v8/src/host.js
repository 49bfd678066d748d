// The V8 worker: loads the dylab_v8 addon (argv[1]) into this Node, checks the pinned version
// (argv[2]), then calls the addon's export named by argv[4] (the names live on the Rust side
// only: crate dylab-v8-addon's EXPORTS): in mode `lines` (argv[3]) once per JSON line on stdin,
// answering one line each, in mode `once` with all of stdin (crate dylab-engine-v8, remote.rs).
'use strict';
const [addonPath, pinned, mode, name] = process.argv.slice(1);
if (pinned && process.version !== pinned) {
  console.error(`dylab: the V8 engine is pinned to Node ${pinned}, this is ${process.version}`);
  process.exit(2);
}
const addon = { exports: {} };
process.dlopen(addon, addonPath);
const serve = addon.exports[name];
if (typeof serve !== 'function') {
  console.error(`dylab: the addon ${addonPath} has no export ${name}`);
  process.exit(2);
}
if (mode === 'once') {
  const input = require('node:fs').readFileSync(0, 'utf8');
  process.stdout.write(serve(input));
} else {
  const lines = require('node:readline').createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    process.stdout.write(serve(line) + '\n');
  });
}
