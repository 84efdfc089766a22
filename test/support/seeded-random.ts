import { createHash } from 'node:crypto';

/** A small seeded PRNG (mulberry32): the same seed gives the same sequence, so a failing fault test can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A number in [0, 1) fixed by the seed and the parts alone: for decisions that must not depend on the order in which
 * concurrent requests happen to arrive (e.g. "does attempt 2 of question 17 fail?").
 */
export function seededDraw(seed: number, ...parts: (string | number)[]): number {
  const digest = createHash('sha256').update(`${seed}\0${parts.join('\0')}`).digest();
  return digest.readUInt32BE(0) / 4294967296;
}
