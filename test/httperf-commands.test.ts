/**
 * The command lines people already have, run as they are written (scaled down to loopback and
 * small counts): autobench's httperf command (spec section 7), The Book of Xen's two commands and
 * the examples of `man httperf`. Each must run under loadgen with exit 0 and print a report that
 * every one of autobench's seven regexes reads (and the same regexes read real httperf's report).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNginx, type RunningNginx } from './helpers/nginx.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin/loadgen.js');
const HTTPERF = '/usr/bin/httperf';
const haveNginx = existsSync('/usr/sbin/nginx');
if (!haveNginx && process.env.CI) throw new Error('CI must install nginx (see .ci/run)');

/** autobench 2.1.2's regexes over httperf's report (spec section 7), in its order. */
const AUTOBENCH_REGEXES: ReadonlyArray<readonly [string, RegExp]> = [
  ['replies', /^Total: .*replies (\d+)/m],
  ['con_rate', /^Connection rate: (\d+\.\d)/m],
  ['req_rate', /^Request rate: (\d+\.\d)/m],
  ['rep_rate', /^Reply rate .*min (\d+\.\d) avg (\d+\.\d) max (\d+\.\d) stddev (\d+\.\d)/m],
  ['resp_time', /^Reply time .* response (\d+\.\d)/m],
  ['net_io', /^Net I\/O: (\d+\.\d)/m],
  ['errors', /^Errors: total (\d+)/m],
];

/** Each command line with `PORT` for the nginx port; `replies` is what the run must receive. */
const COMMANDS: ReadonlyArray<{ name: string; args: string[]; replies: number }> = [
  {
    name: 'autobench: --server H --uri "U" --num-conn N --num-call C --timeout T --rate R --port P',
    args: ['--server', '127.0.0.1', '--uri', '/index.html', '--num-conn', '10', '--num-call', '5', '--timeout', '5', '--rate', '20', '--port', 'PORT'],
    replies: 50,
  },
  {
    name: 'autobench with httperf_ extras from its config (--hog, --send-buffer)',
    args: ['--server', '127.0.0.1', '--uri', '/index.html', '--num-conn', '4', '--num-call', '2', '--timeout', '5', '--rate', '40', '--port', 'PORT', '--hog', '--send-buffer', '4096'],
    replies: 8,
  },
  {
    name: 'The Book of Xen: --server H --uri /index.html --num-conns 6000 --rate 1500 (60 at 150/s)',
    args: ['--server', '127.0.0.1', '--port', 'PORT', '--uri', '/index.html', '--num-conns', '60', '--rate', '150'],
    replies: 60,
  },
  {
    name: 'The Book of Xen: --hog --server H --wsesslog=40,10,urls.txt --rate=1 (2 sessions, no think time, 20/s)',
    args: ['--hog', '--server', '127.0.0.1', '--port', 'PORT', `--wsesslog=2,0,${join(ROOT, 'sessions/bookofxen.txt')}`, '--rate=20'],
    replies: -1,
  },
  { name: 'man httperf: --hog --server www', args: ['--hog', '--server', '127.0.0.1', '--port', 'PORT'], replies: 1 },
  {
    name: 'man httperf: --hog --server www --num-conns 100 --ra 10 --timeout 5 (10 at 100/s)',
    args: ['--hog', '--server', '127.0.0.1', '--port', 'PORT', '--num-conns', '10', '--ra', '100', '--timeout', '5'],
    replies: 10,
  },
  {
    name: 'man httperf: --hog --server=www --wsess=10,5,2 --rate 1 --timeout 5 (2 sessions, 0.02 s think, 20/s)',
    args: ['--hog', '--server=127.0.0.1', '--port=PORT', '--wsess=2,5,0.02', '--rate', '20', '--timeout', '5'],
    replies: 10,
  },
];

function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
  });
}

describe.skipIf(!haveNginx)('command lines written for httperf run under loadgen', () => {
  let docroot: string;
  let nginx: RunningNginx;

  beforeAll(async () => {
    docroot = await mkdtemp(join(tmpdir(), 'loadgen-commands-'));
    await writeFile(join(docroot, 'index.html'), '<html>index</html>\n');
    const started = await startNginx({ docroot });
    if (started === null) throw new Error('nginx did not start');
    nginx = started;
  });

  afterAll(async () => {
    await nginx?.stop();
    if (docroot) await rm(docroot, { recursive: true, force: true });
  });

  const withPort = (args: readonly string[]) => args.map((a) => a.replace('PORT', String(nginx.port)));

  describe.each(COMMANDS)('$name', ({ args, replies }) => {
    it("runs with exit 0 and every autobench regex reads loadgen's report", async () => {
      const { code, stdout, stderr } = await run(process.execPath, [BIN, ...withPort(args)]);
      expect(code, stderr).toBe(0);
      for (const [field, regex] of AUTOBENCH_REGEXES) expect(regex.exec(stdout), `${field}\n${stdout}`).not.toBeNull();
      const got = Number(/^Total: .*replies (\d+)/m.exec(stdout)![1]);
      if (replies >= 0) expect(got).toBe(replies);
      else expect(got).toBeGreaterThan(0);
      expect(Number(/^Errors: total (\d+)/m.exec(stdout)![1])).toBe(0);
    });

    it.skipIf(!existsSync(HTTPERF))('real httperf accepts the same words and the same regexes read its report', async () => {
      const { code, stdout } = await run(HTTPERF, withPort(args));
      expect(code).toBe(0);
      for (const [field, regex] of AUTOBENCH_REGEXES) expect(regex.exec(stdout), field).not.toBeNull();
    });
  });
});
