/**
 * `loadgen kube` manifests: valid Kubernetes API objects (kubernetes-models' schema validation,
 * plus a check that every field name exists in the API schema, which that validation does not
 * do), the Indexed Job's settings, and a pod command that loadgen's own parser accepts with each
 * completion index.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigMap } from 'kubernetes-models/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { addReplayOptions, toReplayOptions } from '../src/commands/replay-args.js';
import { commandParser } from '../src/commands/yargs-common.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');
const dir = mkdtempSync(join(tmpdir(), 'loadgen-kube-'));
const sessionFile = join(dir, 'site.txt');
writeFileSync(sessionFile, '/index.html\n\t/logo.png\n/about.html think=0.5\n\n/api/items\n');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function loadgen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Every property name the Kubernetes schemas of kubernetes-models know (from the compiled validators). */
function knownFieldNames(): Set<string> {
  const require = createRequire(import.meta.url);
  const names = new Set<string>();
  for (const pkg of ['kubernetes-models/package.json', '@kubernetes-models/apimachinery/package.json']) {
    const schemas = join(dirname(require.resolve(pkg)), '_schemas');
    for (const file of readdirSync(schemas).filter((f) => f.endsWith('.js'))) {
      for (const m of readFileSync(join(schemas, file), 'utf8').matchAll(/instancePath\+"\/([A-Za-z0-9]+)"/g)) names.add(m[1]!);
    }
  }
  return names;
}

/** Field names used in an API object, skipping free-form maps (labels, data, resource lists). */
function fieldNames(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => fieldNames(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      out.push(key);
      if (!['labels', 'data', 'requests', 'limits'].includes(key)) fieldNames(v, out);
    }
  }
  return out;
}

async function manifests(extra: string[] = []) {
  const before = Date.now();
  const { code, stdout, stderr } = await loadgen([
    'kube', '--parallelism', '3', '--image', 'registry.example/loadgen:0.1.0', '--name', 'shop-test', '--namespace', 'load',
    '--server', 'shop.internal', '--port', '8080', `--wsesslog=300,2,${sessionFile}`, '--rate', '30', '--timeout', '5',
    '--add-header', 'X-Test: yes\\n', ...extra,
  ]);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const docs = parseAllDocuments(stdout).map((d) => d.toJS() as Record<string, any>);
  return { before, stdout, docs };
}

describe('loadgen kube: manifests', () => {
  it('are a ConfigMap and an Indexed Job that validate against the Kubernetes API schema', async () => {
    const { docs } = await manifests();
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Job']);
    const [configMap, job] = docs as [Record<string, any>, Record<string, any>];
    expect(() => new ConfigMap(configMap as never).validate()).not.toThrow();
    expect(() => new Job(job as never).validate()).not.toThrow();
    const known = knownFieldNames();
    expect(known.has('completionMode')).toBe(true);
    expect(fieldNames(docs).filter((name) => !known.has(name) && !['apiVersion', 'kind', 'metadata'].includes(name))).toEqual([]);
    // A typo would be caught by the same check:
    expect(known.has('completionMod')).toBe(false);
  });

  it('run N pods once each, one CPU each, with the session file mounted from the ConfigMap', async () => {
    const { docs } = await manifests();
    const [configMap, job] = docs as [Record<string, any>, Record<string, any>];
    expect(configMap.metadata).toMatchObject({ name: 'shop-test-sessions', namespace: 'load' });
    expect(configMap.data['site.txt']).toBe(readFileSync(sessionFile, 'utf8'));
    expect(job.metadata).toMatchObject({ name: 'shop-test', namespace: 'load' });
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0 });
    const pod = job.spec.template.spec;
    expect(pod.restartPolicy).toBe('Never');
    expect(pod.containers).toHaveLength(1);
    expect(pod.containers[0].resources.requests.cpu).toBe('1');
    expect(pod.containers[0].volumeMounts[0]).toMatchObject({ name: 'sessions', mountPath: '/sessions' });
    expect(pod.volumes[0].configMap.name).toBe('shop-test-sessions');
    expect(pod.containers[0].args).toContain('--client=$(JOB_COMPLETION_INDEX)/3');
  });

  it('give every pod a command loadgen parses: 1/N of the sessions at 1/N of the rate, one shared start', async () => {
    const { before, docs } = await manifests();
    const args = (docs[1] as Record<string, any>).spec.template.spec.containers[0].args as string[];
    expect(args[0]).toBe('pod');
    const starts = new Set<number>();
    for (let i = 0; i < 3; i++) {
      // Kubernetes expands $(JOB_COMPLETION_INDEX) from the pod's environment.
      const podArgs = args.slice(1).map((a) => a.replaceAll('$(JOB_COMPLETION_INDEX)', String(i)));
      const argv = (await addReplayOptions(commandParser(podArgs, '')).parseAsync()) as Record<string, unknown>;
      const options = toReplayOptions(argv, podArgs);
      expect(options.client).toEqual({ id: i, count: 3 });
      expect(options.sessions).toBe(100);
      expect(options.thinkTime).toBe(2);
      expect(options.sessionFile).toBe('/sessions/site.txt');
      expect(options.arrival).toEqual({ kind: 'fixed', interval: 0.1 });
      expect(options.seed).toBe(i); // distinct random streams, as httperf's --client
      expect(options).toMatchObject({ server: 'shop.internal', port: 8080, timeout: 5, addHeadersRaw: ['X-Test: yes\\n'] });
      starts.add(options.startAt!);
    }
    expect(starts.size).toBe(1);
    const [startAt] = [...starts];
    // Default: a minute after generation, on a whole second.
    expect(startAt! - before).toBeGreaterThanOrEqual(59_000);
    expect(startAt! - before).toBeLessThanOrEqual(62_000);
    expect(startAt! % 1000).toBe(0);
  });

  it('keep Poisson arrivals Poisson at 1/N of the rate, and an explicit --start-at', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const { docs } = await manifests(['--period=e0.02', '--start-at', at]);
    const args = (docs[1] as Record<string, any>).spec.template.spec.containers[0].args as string[];
    expect(args).toContain('--period=e0.06');
    expect(args).toContain(`--start-at=${at}`);
  });

  it('refuse what cannot be split or is set per pod, with one line and exit 2', async () => {
    const base = ['kube', '--image', 'img', '--server', 'h', `--wsesslog=10,0,${sessionFile}`, '--rate', '5'];
    const cases: [string[], RegExp][] = [
      [[...base, '--parallelism', '3'], /10 sessions do not split evenly over 3 pods.*e\.g\. 9 or 12/],
      [[...base, '--parallelism', '2', '--client', '1/2'], /--client is set per pod/],
      [[...base, '--parallelism', '2', '--seed', '7'], /--seed is set per pod/],
      [[...base, '--parallelism', '0'], /--parallelism must be a whole number from 1/],
      [[...base, '--parallelism', '2', '--name', 'Bad_Name'], /--name 'Bad_Name': a Job name/],
      [['kube', '--parallelism', '2', '--server', 'h', `--wsesslog=10,0,${sessionFile}`], /Missing required argument: image/],
      [[...base.slice(0, -4), `--wsesslog=10,0,${join(dir, 'nope.txt')}`, '--parallelism', '2'], /can't open .*nope\.txt/],
      [[...base, '--parallelism', '2', '--start-at', 'noon'], /--start-at 'noon': expected an RFC 3339 time/],
      [[...base, '--parallelism', '2', '--start-at', String(Date.now() - 1000)], /--start-at must be in the future/],
      [[...base, '--parallelism', '2', '--start-at', String(Date.now() + 60_000), '--start-in', '5'], /--start-at or --start-in, not both/],
    ];
    for (const [args, message] of cases) {
      const { code, stdout, stderr } = await loadgen(args);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stdout).toBe('');
    }
  });
});
