/**
 * getopt_long as httperf parses its command line: unique prefixes, exact match wins, ambiguous
 * prefixes name their candidates, `=` and space forms, optional arguments only with `=`, short
 * options clustered or with attached arguments. Checked on the real replay grammar.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalArgs, resolveLong, type OptionGrammar } from '../src/commands/getopt.js';
import { addReplayOptions, replayGrammar } from '../src/commands/replay-args.js';
import { commandParser } from '../src/commands/yargs-common.js';
import { UsageError } from '../src/errors.js';

const grammar: OptionGrammar = replayGrammar(addReplayOptions(commandParser([], 'usage')).option('workers', { type: 'number' }).option('assert', { type: 'string' }));
const canon = (...args: string[]) => canonicalArgs(args, grammar);
const BIN = join(import.meta.dirname, '..', 'bin', 'loadgen.js');

describe('getopt_long prefixes', () => {
  it.each([
    ['--num-conn', 'num-conns'],
    ['--num-call', 'num-calls'],
    ['--wsesslo', 'wsesslog'],
    ['--max-conn', 'max-connections'],
    ['--think-timeo', 'think-timeout'],
    ['--burst', 'burst-length'],
    ['--po', 'port'],
  ])('%s is the unique prefix of --%s', (typed, name) => {
    expect(resolveLong(typed.slice(2), grammar).name).toBe(name);
  });

  it('an exact name wins over the longer names it prefixes', () => {
    expect(resolveLong('server', grammar).name).toBe('server');
    expect(resolveLong('wsess', grammar).name).toBe('wsess');
    expect(resolveLong('ssl', grammar).name).toBe('ssl');
  });

  it('an ambiguous prefix is a usage error naming every candidate', () => {
    expect(() => canon('--ser', 'x')).toThrow(UsageError);
    expect(() => canon('--ser', 'x')).toThrow("option '--ser' is ambiguous; possibilities: '--server' '--server-name'");
    expect(() => canon('--num=3')).toThrow(/'--num-conns' '--num-calls'/);
    expect(() => canon('--ws=1')).toThrow(/'--wsesslog' '--wsess' '--wset'/);
  });

  it("httperf's option wins a prefix shared only with a loadgen option", () => {
    // --wo could be --workers (loadgen) but httperf has no --wo...: still unique to workers.
    expect(resolveLong('wo', grammar).name).toBe('workers');
    // --a: httperf's --add-header, not loadgen's --assert.
    expect(resolveLong('a', grammar).name).toBe('add-header');
    expect(resolveLong('as', grammar).name).toBe('assert');
  });

  it('unknown options are rejected', () => {
    expect(() => canon('--bogus')).toThrow("unrecognized option '--bogus'");
  });
});

describe('getopt_long argument forms', () => {
  it('takes a required argument after = or as the next word, even one starting with -', () => {
    expect(canon('--num-conn=5', '--num-call', '7')).toEqual(['--num-conns=5', '--num-calls=7']);
    expect(canon('--rate', '-1')).toEqual(['--rate=-1']);
    expect(canon('--add-header', 'X-A: b=c\\n')).toEqual(['--add-header=X-A: b=c\\n']);
  });

  it('an optional argument is only taken after =', () => {
    expect(canon('--print-reply', '--print-req=header')).toEqual(['--print-reply', '--print-request=header']);
  });

  it('no-argument options refuse a value and required ones need one', () => {
    expect(() => canon('--hog=1')).toThrow("option '--hog' doesn't allow an argument");
    expect(() => canon('--timeout')).toThrow("option '--timeout' requires an argument");
  });

  it('short options: -v clusters, -d takes its argument attached or next, -V and -h', () => {
    expect(canon('-vv')).toEqual(['--verbose', '--verbose']);
    expect(canon('-d3', '-d', '4')).toEqual(['--debug=3', '--debug=4']);
    expect(canon('-V')).toEqual(['--version']);
    expect(canon('-h')).toEqual(['--help']);
    expect(() => canon('-x')).toThrow("invalid option -- 'x'");
  });

  it('words after -- are left alone', () => {
    expect(canon('--', '--ser')).toEqual(['--', '--ser']);
  });
});

function loadgen(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('the CLI front', () => {
  it('an ambiguous prefix exits 2 with one line naming the candidates', async () => {
    const { code, stderr } = await loadgen(['--ser', '127.0.0.1']);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe("loadgen: option '--ser' is ambiguous; possibilities: '--server' '--server-name'");
  });

  it('--version, -V and a unique prefix of --version print the version on every command', async () => {
    for (const args of [['--version'], ['-V'], ['--vers'], ['sweep', '--version'], ['convert', '--version']]) {
      const { code, stdout } = await loadgen(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toMatch(/^loadgen \d+\.\d+\.\d+ /);
    }
  });
});

describe('yargs failures', () => {
  it('a bad choice is one line, exit 2', async () => {
    const { code, stderr } = await loadgen(['sweep', '--wsesslog=1,0,x', '--rates', '1', '--mode', 'foo']);
    expect(code).toBe(2);
    expect(stderr).toBe('loadgen: Invalid values: Argument: mode, Given: "foo", Choices: "staircase", "drain"\n');
  });
});

describe('loadgen sweep reads the replay options as httperf does', () => {
  it('a unique prefix and --no-host-hdr reach the sweep (it then asks for --rates)', async () => {
    const { code, stderr } = await loadgen(['sweep', '--wsesslo=1,0,x', '--no-host-hdr']);
    expect(code).toBe(2);
    expect(stderr).toBe('loadgen: --rates is required, e.g. --rates 10:100:10 or --rates 5,10,20,40\n');
  });
});
