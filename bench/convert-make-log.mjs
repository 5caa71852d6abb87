#!/usr/bin/env node
// Build a large combined-format access log for `bench/convert.sh` from the two real logs kept in
// the repository (test/fixtures/logs/*.log.gz, gunzipped here): each round is the elastic log then
// the NASA log, time-shifted so rounds follow one another (4 days apart) and clients renamed per round (so distinct clients grow
// with the file, as in a real long log). NASA lines get `"-" "-"` for the missing Referer and
// User-Agent, as Apache writes them in combined format. Everything else is kept as found,
// including the elastic log's out-of-order lines and its cut-off line.
//
//   node bench/convert-make-log.mjs OUT MIN_LINES [LOGDIR]   (LOGDIR holds NAME.log.gz or NAME.log)
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

const [out, minLinesText, logDir = new URL('../test/fixtures/logs/', import.meta.url).pathname] = process.argv.slice(2);
if (!out || !minLinesText) {
  console.error('usage: convert-make-log.mjs OUT MIN_LINES [LOGDIR]');
  process.exit(2);
}
const minLines = Number(minLinesText);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const TIME = /\[(\d\d)\/(\w\w\w)\/(\d{4}):(\d\d):(\d\d):(\d\d) ([+-]\d{4})\]/;

/** The text of `name` in LOGDIR, gunzipped when only `name.gz` is there. */
function readLog(name) {
  const plain = `${logDir}/${name}`;
  return existsSync(plain) ? readFileSync(plain, 'utf8') : gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
}

function load(name, suffix) {
  return readLog(name)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((line) => {
      const m = TIME.exec(line);
      if (!m) return { line: line + suffix, t: null };
      const t = Date.UTC(+m[3], MONTHS.indexOf(m[2]), +m[1], +m[4], +m[5], +m[6]);
      return { line: line + suffix, t, at: m.index, len: m[0].length };
    });
}

const elastic = load('elastic-apache-combined.log', '');
const nasa = load('nasa-aug95-common.log', ' "-" "-"');
const DAY = 86_400_000;
const elasticStart = Math.min(...elastic.filter((e) => e.t !== null).map((e) => e.t));
const nasaStart = Math.min(...nasa.filter((e) => e.t !== null).map((e) => e.t));
const pad = (n) => String(n).padStart(2, '0');
function stamp(ms) {
  const d = new Date(ms);
  return `[${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000]`;
}
function shifted(entry, delta, round) {
  let line = entry.line;
  if (entry.t !== null) line = line.slice(0, entry.at) + stamp(entry.t + delta) + line.slice(entry.at + entry.len);
  if (round > 0) {
    const space = line.indexOf(' ');
    if (space > 0) line = `${line.slice(0, space)}.r${round}${line.slice(space)}`;
  }
  return line;
}

const stream = createWriteStream(out);
let lines = 0;
let round = 0;
const base = Date.UTC(2020, 0, 1);
while (lines < minLines) {
  const roundStart = base + round * 4 * DAY;
  const chunks = [];
  for (const e of elastic) chunks.push(shifted(e, roundStart - elasticStart, round));
  for (const e of nasa) chunks.push(shifted(e, roundStart + 3.5 * DAY - nasaStart, round));
  lines += chunks.length;
  if (!stream.write(`${chunks.join('\n')}\n`)) await new Promise((r) => stream.once('drain', r));
  round++;
}
stream.end();
await new Promise((r) => stream.on('finish', r));
console.log(`${out}: ${lines} lines in ${round} rounds`);
