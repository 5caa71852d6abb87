/**
 * An Indexed Job simulated on this machine: the pods' exact command lines from `loadgen kube`
 * run as N local processes with JOB_COMPLETION_INDEX=i (the ConfigMap written where it would be
 * mounted), their stdout fed to `loadgen collect` as `kubectl logs --prefix` prints it. The merge
 * must be exact (counts are the sums, the histogram is the union), the demanded session rate
 * must be achieved, and every session must send the same requests as in a one-process run.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFrames } from '../src/kube/frame.js';
import { decodeHistogram } from '../src/results/histogram.js';
import type { ResultsDocument } from '../src/results/schema.js';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from './helpers/http-server.js';

const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');
const dir = mkdtempSync(join(tmpdir(), 'loadgen-kube-job-'));
const PODS = 4;
const SESSIONS = 800; // 200 per pod: a multiple of the 4 templates, so the mix equals one process's
const RATE = 100; // sessions/s in all: 8 s of load
const sessionFile = join(dir, 'four.txt');
writeFileSync(sessionFile, [0, 1, 2, 3].map((t) => `/t${t}/a\n/t${t}/b\n\t/t${t}/b.png\n/t${t}/c\n`).join('\n'));

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function loadgen(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Exec> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.input ?? '');
  });
}

/** Kubernetes' $(VAR) expansion of container args from the container's environment. */
function expand(arg: string, env: Record<string, string>): string {
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => env[name] ?? whole);
}

/** Per connection (one connection per session with --max-connections 1): its request URLs in order. */
function sequences(requests: readonly RecordedRequest[]): string[] {
  const byConnection = new Map<number, string[]>();
  for (const r of requests) byConnection.set(r.connectionId, [...(byConnection.get(r.connectionId) ?? []), r.url]);
  return [...byConnection.values()].map((urls) => urls.join(' ')).sort();
}

let server: RecordingServer;
let single: RecordingServer;
let podOutputs: string[] = [];
let logs = '';
let collected: Exec;
let merged: ResultsDocument;

beforeAll(async () => {
  server = await startRecordingServer();
  single = await startRecordingServer();
  const kube = await loadgen([
    'kube', '--parallelism', String(PODS), '--image', 'loadgen:test', '--name', 'sim', '--start-in', '6',
    '--server', '127.0.0.1', '--port', String(server.port), `--wsesslog=${SESSIONS},0,${sessionFile}`, '--rate', String(RATE), '--max-connections', '1',
  ]);
  expect(kube.code).toBe(0);
  const [configMap, job] = parseAllDocuments(kube.stdout).map((d) => d.toJS() as Record<string, any>) as [Record<string, any>, Record<string, any>];
  // The ConfigMap's files, where the volume would be mounted.
  const mount = join(dir, 'mount');
  mkdirSync(mount);
  for (const [key, text] of Object.entries(configMap.data as Record<string, string>)) writeFileSync(join(mount, key), text);
  const container = job.spec.template.spec.containers[0];
  const mountPath = container.volumeMounts[0].mountPath as string;
  const pods = Array.from({ length: job.spec.completions as number }, (_, i) => {
    const env = { JOB_COMPLETION_INDEX: String(i) };
    const args = (container.args as string[]).map((a) => expand(a, env).replace(`${mountPath}/`, `${mount}/`));
    return loadgen(args, { env });
  });
  const results = await Promise.all(pods);
  for (const r of results) expect(r.code, r.stderr).toBe(0);
  // The same sessions from one process, after the pods (not to load the machine while they measure).
  const one = await loadgen(['--server', '127.0.0.1', '--port', String(single.port), `--wsesslog=${SESSIONS},0,${sessionFile}`, '--rate', '400', '--max-connections', '1', '--quiet']);
  expect(one.code, one.stderr).toBe(0);
  podOutputs = results.map((r) => r.stdout);
  // As `kubectl logs -l job-name=sim --prefix` prints them: every line prefixed with its pod.
  logs = podOutputs.map((out, i) => out.split('\n').filter(Boolean).map((line) => `[pod/sim-${i}-x7k2q/loadgen] ${line}\n`).join('')).join('');
  writeFileSync(join(dir, 'logs.txt'), logs);
  collected = await loadgen(['collect', '--parallelism', String(PODS), '--json', join(dir, 'merged.json'), '--assert', 'session_rate >= 0.97*target', '--assert', 'errors == 0'], { input: logs });
  merged = JSON.parse(readFileSync(join(dir, 'merged.json'), 'utf8')) as ResultsDocument;
}, 120_000);

afterAll(async () => {
  await server?.close();
  await single?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('an Indexed Job simulated with local processes', () => {
  it('collects one report from every pod and passes gates on the merged result', () => {
    expect(collected.stderr).toBe('');
    expect(collected.code).toBe(0);
    expect(collected.stdout).toMatch(new RegExp(`merged from ${PODS} of ${PODS} pods`));
    expect(collected.stdout).toMatch(/Gates: 2 passed, 0 failed/);
    expect(collected.stdout).toMatch(new RegExp(`Start: ${PODS} generators began [\\d.]+ ms to [\\d.]+ ms after --start-at`));
  });

  it('merges exactly: every count is the sum over pods, and the server saw the same', () => {
    const docs = podOutputs.map((out, i) => readFrames(out, `pod-${i}`)).map((frames) => frames[0]!.doc);
    expect(docs.map((d) => d.run.options.client.id)).toEqual([0, 1, 2, 3]);
    const sum = (pick: (d: ResultsDocument) => number) => docs.reduce((s, d) => s + pick(d), 0);
    for (const key of ['connections', 'requests', 'replies', 'sessionsCreated', 'sessionsSucceeded', 'replyContentBytes', 'requestBytes'] as const) {
      expect(merged.counters[key], key).toBe(sum((d) => d.counters[key]));
    }
    expect(merged.counters.sessionsSucceeded).toBe(SESSIONS);
    expect(merged.counters.requests).toBe(server.requests.length);
    expect(merged.counters.requests).toBe(SESSIONS * 4);
    expect(merged.startLateness?.generators).toBe(PODS);
    expect(merged.startLateness!.minMs).toBeGreaterThanOrEqual(0); // never before the shared instant
  });

  it('merges the reply-time histograms into exactly the union of the samples', () => {
    const docs = podOutputs.map((out, i) => readFrames(out, `pod-${i}`)[0]!.doc);
    const union = decodeHistogram(docs[0]!.histograms.replyTime.encoded);
    for (const d of docs.slice(1)) union.add(decodeHistogram(d.histograms.replyTime.encoded));
    const mergedHistogram = decodeHistogram(merged.histograms.replyTime.encoded);
    expect(mergedHistogram.totalCount).toBe(SESSIONS * 4);
    expect(mergedHistogram.totalCount).toBe(union.totalCount);
    for (const p of [0, 10, 50, 90, 99, 99.9, 100]) expect(mergedHistogram.getValueAtPercentile(p), `p${p}`).toBe(union.getValueAtPercentile(p));
    expect(merged.histograms.replyTime.max).toBe(union.maxValue);
    // Decoded histograms hold buckets: the merged max is the slowest pod's within HDR precision.
    const slowest = Math.max(...docs.map((d) => d.histograms.replyTime.max));
    expect(merged.histograms.replyTime.max).toBeGreaterThanOrEqual(slowest);
    expect(merged.histograms.replyTime.max).toBeLessThanOrEqual(slowest * 1.001 + 1);
  });

  it('achieves the demanded session rate within 3%', () => {
    expect(merged.run.targetSessionRate).toBeCloseTo(RATE, 6);
    expect(merged.rates.sessionRate).toBeGreaterThanOrEqual(RATE * 0.97);
    expect(merged.rates.sessionRate).toBeLessThanOrEqual(RATE * 1.03);
  });

  it('sends every session the same request sequence as a one-process run', () => {
    const distributed = sequences(server.requests);
    expect(distributed).toHaveLength(SESSIONS);
    expect(new Set(distributed).size).toBe(4);
    expect(distributed).toEqual(sequences(single.requests));
  });

  it('names a missing pod, still prints the others, and does not evaluate gates (exit 3)', async () => {
    const withoutPod2 = logs.split('\n').filter((line) => !line.startsWith('[pod/sim-2-')).join('\n');
    const r = await loadgen(['collect', '--parallelism', String(PODS), '--assert', 'errors == 0'], { input: withoutPod2 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/pod 2 \(--client 2\/4\): no results line found/);
    expect(r.stderr).toMatch(/INCOMPLETE: 1 of 4 pods .*gates not evaluated/);
    expect(r.stdout).toMatch(/merged from 3 of 4 pods/);
    expect(r.stdout).not.toMatch(/Gates:/);
  });

  it('refuses a cut results line and a pod counted twice (exit 2, naming where)', async () => {
    const cut = logs.replace(/(LOADGEN-RESULTS\/1 client=1\/4 sha256=\w+ \{.{100})[^\n]*/, '$1');
    const r1 = await loadgen(['collect', '-'], { input: cut });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/<stdin>:\d+:\d+: damaged results line: checksum mismatch/);
    const r2 = await loadgen(['collect', join(dir, 'logs.txt'), join(dir, 'logs.txt')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/pod 0 \(--client 0\/4\) appears twice: .*logs\.txt:\d+ and .*logs\.txt:\d+/);
  });

  it('fails a gate on the merged result with exit 1', async () => {
    const r = await loadgen(['collect', join(dir, 'logs.txt'), '--assert', `sessions_succeeded > ${SESSIONS}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Gates: 0 passed, 1 failed/);
  });
});
