/**
 * `loadgen demo [replay options]`: start the built-in target on a free loopback port and replay
 * the Book of Xen session file against it, printing the full report. Any replay option given
 * overrides the demo's defaults (e.g. `loadgen demo --rate=20`).
 */
import { EXIT_OK } from '../errors.js';
import { fileURLToPath } from 'node:url';
import { startDemoServer } from '../serve/server.js';
import { loadSessionFile } from '../session/parse.js';
import { run as runReplayCommand } from './replay.js';

/** The session file shipped in the package. */
export const DEMO_SESSION_FILE = fileURLToPath(new URL('../../sessions/bookofxen.txt', import.meta.url));

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      'loadgen demo [replay options]\n\nStarts the built-in target (loadgen serve) on 127.0.0.1 and replays sessions/bookofxen.txt\nagainst it: 60 sessions at 10 sessions/s, 0.5 s think time. Replay options override these.\n',
    );
    return EXIT_OK;
  }
  const server = await startDemoServer({ host: '127.0.0.1', port: 0, sessionFile: await loadSessionFile(DEMO_SESSION_FILE) });
  process.stderr.write(`loadgen demo: built-in target listening on ${server.url}\n`);
  try {
    const defaults = ['--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=60,0.5,${DEMO_SESSION_FILE}`, '--rate', '10', '--timeout', '5'];
    // The replay options keep the last value given (and the later of --rate/--period), as httperf
    // does, so the user's arguments after the defaults override them.
    return await runReplayCommand([...defaults, ...args]);
  } finally {
    await server.close();
  }
}
