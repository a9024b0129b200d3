import decoder from './bf16.wgsl?raw';
import { floatFormat } from './format.ts';

/** BF16 weights: w_q (N, ceil(K / 8) * 8) bf16 (rows zero-padded), no w_s. */
export const bf16Format = floatFormat('bf16', 30, 2, decoder);
