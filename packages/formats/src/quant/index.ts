export { bf16FromF32Bits, f16FromF32Bits, f32Bits, f32ToBf16Bits, f32ToF16Bits } from './half.ts';
export { nearestInt } from './helpers.ts';
export { quantize } from './quantize.ts';
