import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yargs from 'yargs';
import { addConfigOption, loadConfigFile } from '../src/config/load.js';
import { InputError, UsageError } from '../src/errors.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loadgen-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** The InputError a bad file must produce. */
function inputError(path: string): InputError {
  try {
    loadConfigFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('loadConfigFile', () => {
  it('reads YAML options with lists', async () => {
    const path = await file('ci.yml', [
      '# CI gates',
      'server: 127.0.0.1',
      'port: 8080',
      'wsesslog: 100,0,sessions/shop.log',
      'rate: 20',
      'assert:',
      '  - response_time.p99 < 50ms',
      "  - 'reply_rate >= 0.95*target'",
      'max-regression: [response_time.p99=+10%]',
      'junit:',
      '',
    ].join('\n'));
    expect(loadConfigFile(path)).toEqual({
      server: '127.0.0.1',
      port: 8080,
      wsesslog: '100,0,sessions/shop.log',
      rate: 20,
      assert: ['response_time.p99 < 50ms', 'reply_rate >= 0.95*target'],
      'max-regression': ['response_time.p99=+10%'],
    });
  });

  it('reads JSON strictly', async () => {
    const path = await file('ci.json', '{ "rate": 5, "assert": ["errors == 0"] }\n');
    expect(loadConfigFile(path)).toEqual({ rate: 5, assert: ['errors == 0'] });
  });

  it('treats an empty file as no options', async () => {
    expect(loadConfigFile(await file('empty.yaml', '# nothing yet\n'))).toEqual({});
  });

  it('gives line and column of YAML errors', async () => {
    const error = inputError(await file('bad.yml', 'rate: 5\nassert:\n  - a\n - b\n'));
    expect(error.line).toBe(4);
    expect(error.message).toMatch(/bad\.yml:4:\d+: invalid YAML: /);
  });

  it('rejects duplicate YAML keys at their position', async () => {
    const error = inputError(await file('dup.yml', 'rate: 5\nrate: 6\n'));
    expect(error.message).toMatch(/dup\.yml:2:1: invalid YAML: Map keys must be unique/);
  });

  it('gives line and column of JSON errors, including ones YAML would accept', async () => {
    const missing = inputError(await file('missing.json', '{\n  "rate": 5,\n  "junit": }\n'));
    expect([missing.line, missing.column]).toEqual([3, 12]);
    expect(missing.reason).toBe('invalid JSON: expected a value');
    const bare = inputError(await file('bare.json', '{"assert": [errors == 0]}'));
    expect(bare.line).toBe(1);
    expect(bare.reason).toContain('strings need double quotes');
    const trailing = inputError(await file('trailing.json', '{\n  "rate": 5,\n}\n'));
    expect(trailing.line).toBe(3);
    expect(trailing.reason).toMatch(/^invalid JSON: /);
  });

  it('requires a mapping at the top', async () => {
    const error = inputError(await file('list.yml', '- rate: 5\n'));
    expect(error.message).toContain('list.yml:1:1: a config file must be a mapping');
  });

  it('reports a missing file as a usage error', () => {
    expect(() => loadConfigFile(join(dir, 'nope.yml'))).toThrow(UsageError);
    expect(() => loadConfigFile(join(dir, 'nope.yml'))).toThrow(/can't open config .*nope\.yml: no such file/);
  });
});

describe('addConfigOption', () => {
  it('feeds the file to yargs, command-line options winning', async () => {
    const path = await file('opts.yml', 'rate: 7\nassert: [errors == 0, error_rate < 1%]\nseed: 3\n');
    const parse = (args: string[]) =>
      addConfigOption(yargs(args).option('rate', { type: 'number' }).option('seed', { type: 'number' }).option('assert', { type: 'string', array: true }))
        .strict()
        .exitProcess(false)
        .parseAsync();
    const fromFile = await parse(['--config', path]);
    expect(fromFile.rate).toBe(7);
    expect(fromFile.assert).toEqual(['errors == 0', 'error_rate < 1%']);
    const overridden = await parse(['--config', path, '--rate', '9', '--assert', 'errors < 2']);
    expect(overridden.rate).toBe(9);
    expect(overridden.seed).toBe(3);
    expect(overridden.assert).toEqual(['errors < 2']);
  });
});
