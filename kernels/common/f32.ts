import decoder from './f32.wgsl?raw';
import { floatFormat } from './format.ts';

/** F32 weights: w_q (N, ceil(K / 8) * 8) f32 (rows zero-padded), no w_s. */
export const f32Format = floatFormat('f32', 0, 4, decoder);
