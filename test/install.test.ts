/**
 * The install path outside a clone: `npm pack` holds only what a user needs, the tarball installs
 * into an empty project without the registry, and the installed `npx loadgen` works (version,
 * and a short replay against `loadgen serve`).
 *
 * Offline on purpose: the project's runtime dependencies are copied from this repository's
 * node_modules (the exact tree `npm ls --omit=dev` lists, with their bin links) into the empty
 * project first, then the tarball is installed with `npm install --offline` and an empty npm
 * cache, so nothing can come from the registry: every dependency edge of the tarball must be
 * satisfied by what is there.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'loadgen-install-'));
const project = join(work, 'project');
const cache = join(work, 'empty-npm-cache');
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
const npmEnv = { ...process.env, npm_config_cache: cache, npm_config_offline: 'true', npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

let tarball = '';
let packedFiles: string[] = [];

/** Copy the runtime dependency tree of the repository into `target` and link their bins. */
async function copyRuntimeDependencies(target: string): Promise<void> {
  // `npm ls` exits 1 when node_modules also holds packages the lockfile does not list; the tree
  // it prints is still the one we need.
  const stdout = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, env: npmEnv }).then(
    (r) => r.stdout,
    (err: { stdout?: string }) => err.stdout ?? '',
  );
  const paths = stdout.trim().split('\n').slice(1); // the first line is the project itself
  expect(paths.map((p) => relative(ROOT, p))).toContain(join('node_modules', 'yargs'));
  for (const path of paths) {
    const rel = relative(ROOT, path);
    cpSync(path, join(target, rel), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as { name: string; bin?: string | Record<string, string> };
    const bins = typeof pkg.bin === 'string' ? { [pkg.name.split('/').pop()!]: pkg.bin } : (pkg.bin ?? {});
    // Only top-level packages get bin links; without them npm re-installs the package.
    if (dirname(rel) !== 'node_modules') continue;
    for (const [name, file] of Object.entries(bins)) {
      mkdirSync(join(target, 'node_modules', '.bin'), { recursive: true });
      const link = join(target, 'node_modules', '.bin', name);
      if (!existsSync(link)) symlinkSync(join('..', pkg.name, file), link);
    }
  }
}

beforeAll(async () => {
  // `npm test` has just built dist/; --ignore-scripts skips the second build `prepare` would do.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, env: { ...npmEnv, npm_config_offline: 'false' } });
  const [info] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(work, info.filename);
  packedFiles = info.files.map((f) => f.path);
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'empty-project', private: true }));
  await copyRuntimeDependencies(project);
  await run('npm', ['install', '--offline', '--ignore-scripts', tarball], { cwd: project, env: npmEnv });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed package', () => {
  it('holds bin, dist, sessions, README, LICENSE and package.json, nothing else', () => {
    const top = new Set(packedFiles.map((p) => p.split('/')[0]));
    expect([...top].sort()).toEqual(['LICENSE', 'README.md', 'bin', 'dist', 'package.json', 'sessions']);
    expect(packedFiles).toContain('bin/loadgen.js');
    expect(packedFiles).toContain('dist/cli.js');
    expect(packedFiles).toContain('sessions/bookofxen.txt');
    expect(packedFiles.some((p) => p.startsWith('dist/') && p.endsWith('.test.js'))).toBe(false);
  });

  it('names the MIT licence it ships', () => {
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).license).toBe('MIT');
  });
});

describe('installed from the tarball into an empty project, offline', () => {
  it('npx loadgen --version prints the package version', async () => {
    const { stdout } = await run('npx', ['--offline', 'loadgen', '--version'], { cwd: project, env: npmEnv });
    expect(stdout.trim()).toBe(`loadgen ${packageJson.version} (httperf 0.9.0 compatible command line)`);
    expect(existsSync(join(project, 'node_modules', 'loadgen', 'src'))).toBe(false);
  });

  it('npx loadgen replays a session file it ships against npx loadgen serve', async () => {
    const serve: ChildProcess = spawn('npx', ['--offline', 'loadgen', 'serve', '--port', '0', '--service-time', '1'], { cwd: project, env: npmEnv, detached: true });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        serve.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        serve.on('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
      });
      const port = new URL(url).port;
      const sessions = join('node_modules', 'loadgen', 'sessions', 'bookofxen.txt');
      const { stdout } = await run('npx', ['--offline', 'loadgen', '--server', '127.0.0.1', '--port', port, `--wsesslog=4,0,${sessions}`, '--rate', '20', '--quiet'], {
        cwd: project,
        env: npmEnv,
        timeout: 60_000,
      });
      expect(stdout).toMatch(/Session rate \[sess\/s\]: .*\(4\/4\)/);
      expect(stdout).toMatch(/Reply status: 1xx=0 2xx=\d+ 3xx=0 4xx=0 5xx=0/);
    } finally {
      // npx runs loadgen as a child: stop the whole process group we started.
      if (serve.pid !== undefined) process.kill(-serve.pid, 'SIGTERM');
    }
  });
});
