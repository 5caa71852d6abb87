import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { ClientTable, clientHash } from '../src/convert/clients.js';

interface Entry {
  readonly client: string;
  readonly n: number;
}

/** Every value of the table, walked slot by slot. */
function walk(table: ClientTable<Entry>): Entry[] {
  const out: Entry[] = [];
  for (let slot = 0; slot < table.slots; slot++) {
    const value = table.valueAt(slot);
    if (value !== undefined) out.push(value);
  }
  return out;
}

describe('convert client table', () => {
  it('hash is never 0 (the empty-slot mark) and depends on the characters', () => {
    for (const text of ['', 'a', '10.0.0.1', '10.0.0.2', 'host.example.com']) expect(clientHash(text)).not.toBe(0);
    expect(clientHash('10.0.0.1')).not.toBe(clientHash('10.0.0.2'));
    // A freshly cut string hashes like the stored one.
    const line = 'x 10.0.0.1 y';
    expect(clientHash(line.slice(2, 10))).toBe(clientHash('10.0.0.1'));
  });

  it('behaves like a Map under any sequence of sets, deletes and compactions', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 300 }), n: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 300 }) }),
      fc.record({ kind: fc.constant('compact' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        const table = new ClientTable<Entry>();
        const model = new Map<string, Entry>();
        for (const o of ops) {
          if (o.kind === 'set') {
            // Keys cut from a longer string, as the parser cuts them from a line.
            const client = `ip 192.168.${o.key % 7}.${o.key} end`.slice(3, -4);
            const entry = { client, n: o.n };
            table.set(entry);
            model.set(client, entry);
          } else if (o.kind === 'delete') {
            const client = `192.168.${o.key % 7}.${o.key}`;
            table.delete(client);
            model.delete(client);
          } else table.compact();
          expect(table.size).toBe(model.size);
        }
        for (let key = 0; key <= 300; key++) {
          const client = `192.168.${key % 7}.${key}`;
          expect(table.get(client)).toBe(model.get(client));
        }
        const walked = walk(table).sort((a, b) => (a.client < b.client ? -1 : 1));
        const expected = [...model.values()].sort((a, b) => (a.client < b.client ? -1 : 1));
        expect(walked).toEqual(expected);
        const visited: Entry[] = [];
        table.forEachValue((v) => visited.push(v));
        expect(visited.length).toBe(model.size);
      }),
      { numRuns: 200 },
    );
  });

  it('shrinks after deletes so a walk stays proportional to the entries', () => {
    const table = new ClientTable<Entry>();
    for (let i = 0; i < 10_000; i++) table.set({ client: `10.1.${i >> 8}.${i & 255}`, n: i });
    expect(table.slots).toBeGreaterThanOrEqual(20_000);
    for (let i = 0; i < 9_990; i++) table.delete(`10.1.${i >> 8}.${i & 255}`);
    table.compact();
    expect(table.size).toBe(10);
    expect(table.slots).toBeLessThanOrEqual(128);
    expect(walk(table).map((e) => e.n).sort((a, b) => a - b)).toEqual([9990, 9991, 9992, 9993, 9994, 9995, 9996, 9997, 9998, 9999]);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.get('10.1.39.15')).toBeUndefined();
  });
});
