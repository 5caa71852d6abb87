/**
 * A port of POSIX erand48: the 48-bit linear congruential generator httperf uses for
 * --period=e/u, so a seeded loadgen run reproduces httperf's arrival gaps exactly.
 * X(n+1) = (a * X(n) + c) mod 2^48 with a = 0x5DEECE66D, c = 0xB; result X / 2^48 in [0, 1).
 */
const A = 0x5deece66dn;
const C = 0xbn;
const MASK = (1n << 48n) - 1n;
const TWO_48 = 2 ** 48;

export class Erand48 {
  private state: bigint;

  /** Seed from httperf's xsubi for generator `id` (the --client id, or --seed). */
  constructor(id: number) {
    const x0 = (0x1234 ^ id) & 0xffff;
    const x1 = (0x5678 ^ (id << 8)) & 0xffff;
    const x2 = (0x9abc ^ ~id) & 0xffff;
    // xsubi[0] is the least significant 16 bits.
    this.state = (BigInt(x2) << 32n) | (BigInt(x1) << 16n) | BigInt(x0);
  }

  /** Next value in [0, 1). */
  next(): number {
    this.state = (A * this.state + C) & MASK;
    return Number(this.state) / TWO_48;
  }
}
