export type { Mismatch, Tolerance } from './compare.ts';
export { findMismatch } from './compare.ts';
export { rmsNorm } from './norm.ts';
export { randomBytes, rng, uniform } from './random.ts';
