/** docs/ci.md must stay true: its config loads and parses, its workflows are valid YAML wired to it. */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { loadConfigFile } from '../src/config/load.js';
import { METRICS, parseAssertion, parseRegression } from '../src/gate/index.js';

const doc = readFileSync(join(import.meta.dirname, '..', 'docs', 'ci.md'), 'utf8');
const yamlBlocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('docs/ci.md', () => {
  it('has a config file whose options load and whose gates parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'loadgen-docs-'));
    try {
      const path = join(dir, 'loadgen.yml');
      writeFileSync(path, yamlBlocks[0]!);
      const config = loadConfigFile(path);
      expect(config.wsesslog).toMatch(/^\d+,\d+,\S+$/);
      const asserts = config.assert as string[];
      expect(asserts.length).toBeGreaterThan(3);
      for (const a of asserts) expect(() => parseAssertion(a)).not.toThrow();
      for (const r of config['max-regression'] as string[]) expect(() => parseRegression(r)).not.toThrow();
      expect(config.baseline).toBeTypeOf('string');
      expect(config.junit).toBe('reports/loadgen-junit.xml');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('has a GitHub Actions workflow that runs loadgen with the config and uploads the reports', () => {
    const workflow = YAML.parse(yamlBlocks.find((b) => b.startsWith('name: performance'))!);
    const steps = workflow.jobs['load-test'].steps as Array<Record<string, any>>;
    expect(steps.some((s) => /npx loadgen --config loadgen\.yml/.test(s.run ?? ''))).toBe(true);
    expect(steps.some((s) => /npm start/.test(s.run ?? ''))).toBe(true);
    const upload = steps.find((s) => String(s.uses).startsWith('actions/upload-artifact'))!;
    expect(upload.if).toBe('always()');
    expect(upload.with.path).toContain('reports/');
  });

  it('has a GitLab CI job that reports the JUnit file', () => {
    const gitlab = YAML.parse(yamlBlocks.find((b) => b.startsWith('performance:'))!);
    expect(gitlab.performance.script.some((line: string) => line.includes('npx loadgen --config loadgen.yml'))).toBe(true);
    expect(gitlab.performance.artifacts.reports.junit).toBe('reports/loadgen-junit.xml');
    expect(gitlab.performance.artifacts.when).toBe('always');
  });

  it('names only metrics that exist and documents every exit code', () => {
    const names = new Set(METRICS.map((m) => m.name));
    for (const [, name] of doc.matchAll(/`([a-z_]+(?:\.[a-z_0-9]+)?) [<>=!]=? /g)) expect(names.has(name!)).toBe(true);
    for (const code of ['| 0 |', '| 1 |', '| 2 |', '| 3 |']) expect(doc).toContain(code);
  });
});
