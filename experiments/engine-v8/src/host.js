// The V8 worker: loads the dylab_v8 addon (argv[1]) into this Node, checks the pinned version
// (argv[2]), then either answers one JSON line per program on stdin with one JSON line on stdout
// (`runProgram`), or, given an export name (argv[3]), passes all of stdin to it once (crate
// dylab-engine-v8, remote.rs).
'use strict';
const [addonPath, pinned, once] = process.argv.slice(1);
if (pinned && process.version !== pinned) {
  console.error(`dylab: the V8 engine is pinned to Node ${pinned}, this is ${process.version}`);
  process.exit(2);
}
const addon = { exports: {} };
process.dlopen(addon, addonPath);
if (once) {
  const input = require('node:fs').readFileSync(0, 'utf8');
  process.stdout.write(addon.exports[once](input));
} else {
  const lines = require('node:readline').createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    process.stdout.write(addon.exports.runProgram(line) + '\n');
  });
}
