#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`, run on install by `prepare`).
import { main } from '../dist/cli.js';

// A reader that goes away (`loadgen ... | head`) must not crash the run or lose its --json file:
// further output is dropped, the work goes on.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // Only reached on a bug: user errors are reported by main() itself.
    console.error(`loadgen: internal error: ${err && err.stack ? err.stack : err}`);
    process.exitCode = 70;
  },
);
