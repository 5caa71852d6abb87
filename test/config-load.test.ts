import { spawnSync } from 'node:child_process';
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

  it('refuses wrong-typed values with the file, key and position (they were ignored silently)', async () => {
    const parse = (args: string[]) =>
      addConfigOption(
        yargs(args)
          .option('ssl', { type: 'boolean' })
          .option('period', { type: 'string' })
          .option('rate', { type: 'string' })
          .option('assert', { type: 'string', array: true })
          .option('verbose', { type: 'count' }),
      )
        .exitProcess(false)
        .fail((_msg, err) => {
          throw err;
        })
        .parseAsync();
    const cases: Array<[string, string, RegExp]> = [
      ['ssl.json', '{"rate": 5, "ssl": "no"}', /ssl\.json:1:13: option "ssl" must be true or false, not "no"$/],
      ['period.json', '{\n  "period": []\n}', /period\.json:2:3: option "period" must be a value \(text or number\) or a list of values, not an empty list$/],
      ['assert.yml', 'assert:\n  a: 1\n', /assert\.yml:1:1: option "assert" must be a value \(text or number\) or a list of values, not a mapping$/],
      ['verbose.yml', 'rate: 1\nverbose: lots\n', /verbose\.yml:2:1: option "verbose" must be a whole number >= 0, not "lots"$/],
    ];
    for (const [name, text, message] of cases) {
      const path = await file(name, text);
      const error = await Promise.resolve()
        .then(() => parse(['--config', path]))
        .then(
        () => undefined,
        (err: unknown) => err,
      );
      // yargs re-wraps errors thrown while loading a config file; the message is what the user sees.
      expect((error as Error).message, name).toMatch(message);
    }
    const ok = await parse(['--config', await file('ok.yml', 'ssl: true\nrate: 5\nassert: errors == 0\nverbose: 2\n')]);
    expect([ok.ssl, ok.rate, ok.verbose]).toEqual([true, 5, 2]);
  });

  it('the replay command exits 2 on a wrong-typed config value, naming file and key', async () => {
    const path = await file('cli.json', '{"ssl": "no"}');
    const result = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'loadgen.js'), '--config', path, '--wsesslog=1,0,x.txt'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(`loadgen: ${path}:1:2: option "ssl" must be true or false, not "no"`);
  });
});
