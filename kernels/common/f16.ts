import decoder from './f16.wgsl?raw';
import { floatFormat } from './format.ts';

/** F16 weights: w_q (N, ceil(K / 8) * 8) f16 (rows zero-padded), no w_s. */
export const f16Format = floatFormat('f16', 1, 2, decoder);
