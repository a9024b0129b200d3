/**
 * Every kernel variant the composer can produce, validated as WGSL by naga
 * (wgpu's shader compiler, as WebAssembly from npm): parse, type-check,
 * uniformity. This is the check the f16-arithmetic variants get on this
 * machine, whose SwiftShader device has no shader-f16 to compile them; the
 * f32 variants, which Dawn compiles and runs in the other tests, keep the two
 * compilers honest with each other. naga 30 rejects `enable subgroups;` (the
 * subgroup builtins themselves it knows), so that one line is left out here.
 */
import {
  ATTENTION,
  addKernel,
  argmaxFinalKernel,
  argmaxPartialsKernel,
  attentionCombineKernel,
  attentionDecodeKernel,
  attentionPrefillKernel,
  dequantKernel,
  type Epilogue,
  embedKernel,
  type KernelSource,
  kvWriteKernel,
  matMulKernel,
  matMulTile,
  matVecKernel,
  penaltyCountKernel,
  penaltyKernel,
  rmsNormKernel,
  ropeKernel,
  sampleFinalKernel,
  sampleGatherKernel,
  streamReadKernel,
  swigluKernel,
  WEIGHT_TYPES,
} from '@webseek/kernels';
import { NagaError, parseWgsl, validate } from 'naga-wasm';
import { describe, expect, it } from 'vitest';

const EPILOGUES: Epilogue[] = ['none', 'bias', 'accumulate', 'bias_accumulate', 'split', 'bias_split'];
const SPLIT = { n: 96, a: 64, b: 80 };
const PRECISIONS = ['f32', 'f16'] as const;
const BOOLS = [false, true] as const;

function* matrixVariants(): Generator<KernelSource> {
  for (const type of WEIGHT_TYPES) {
    for (const precision of PRECISIONS) {
      for (const subgroups of BOOLS) {
        for (const epilogue of EPILOGUES) {
          const split = epilogue.includes('split') ? { split: SPLIT } : {};
          const bias = epilogue.includes('bias');
          const accumulate = epilogue.includes('accumulate');
          for (const x of ['x1', 'x4', 'swiglu', 'norm'] as const) {
            for (const rows of [1, 5, 8]) {
              yield matVecKernel({
                type,
                precision,
                subgroups,
                bias,
                accumulate,
                rows,
                xVec4: x === 'x4',
                xSwiglu: x === 'swiglu',
                ...(x === 'norm' ? { xNorm: { eps: 1e-6 } } : {}),
                ...split,
              });
            }
          }
        }
      }
      for (const epilogue of EPILOGUES) {
        const split = epilogue.includes('split') ? { split: SPLIT } : {};
        for (const xVec4 of BOOLS) {
          for (const m of [7, 128])
            yield matMulKernel({ type, precision, epilogue, xVec4, tile: matMulTile(m), ...split });
        }
      }
      for (const wide of BOOLS) yield dequantKernel({ type, precision, wide });
    }
    yield embedKernel({ type });
  }
}

function* otherVariants(): Generator<KernelSource> {
  for (const cacheDtype of ['f16', 'f32'] as const) {
    yield kvWriteKernel({ cacheDtype });
    for (const subgroups of BOOLS) {
      for (const headDim of [6, 64, 128, ATTENTION.maxHeadDim]) {
        yield attentionPrefillKernel({ cacheDtype, subgroups, headDim });
        for (const groupHeads of [1, 3, 6]) yield attentionDecodeKernel({ cacheDtype, subgroups, headDim, groupHeads });
      }
    }
    for (const pairing of ['adjacent', 'halves'] as const) {
      for (const freqFactors of BOOLS) yield ropeKernel({ pairing, withK: true, freqFactors, kvCache: cacheDtype });
    }
  }
  for (const pairing of ['adjacent', 'halves'] as const) {
    for (const withK of BOOLS) for (const freqFactors of BOOLS) yield ropeKernel({ pairing, withK, freqFactors });
  }
  for (const subgroups of BOOLS) {
    yield attentionCombineKernel({ subgroups });
    yield rmsNormKernel({ subgroups });
    yield argmaxPartialsKernel({ subgroups });
    for (const forSampling of BOOLS) yield argmaxFinalKernel({ subgroups, forSampling });
    yield sampleFinalKernel({ subgroups });
  }
  for (const width of ['scalar', 'vec4'] as const) {
    for (const fused of BOOLS) yield swigluKernel({ width, fused });
    for (const inPlace of BOOLS) yield addKernel({ width, inPlace });
  }
  yield sampleGatherKernel();
  yield penaltyKernel();
  yield penaltyCountKernel();
  yield streamReadKernel();
}

/** naga's verdict on one variant: undefined when valid, else its formatted diagnostic. */
function nagaError(source: KernelSource): string | undefined {
  try {
    validate(parseWgsl(source.code.replace(/^enable subgroups;$/m, '')));
    return undefined;
  } catch (error) {
    return error instanceof NagaError ? error.formatted : String(error);
  }
}

function validateAll(variants: Iterable<KernelSource>): { count: number; failures: string[] } {
  const seen = new Set<string>();
  const failures: string[] = [];
  for (const v of variants) {
    const key = `${v.label} ${v.code.length}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const error = nagaError(v);
    if (error) failures.push(`${v.label}:\n${error.slice(0, 1500)}`);
  }
  return { count: seen.size, failures };
}

describe('every kernel variant is valid WGSL (naga)', () => {
  it('matvec, matmul, dequant and embed over every weight type, f32 and f16 arithmetic', () => {
    const { count, failures } = validateAll(matrixVariants());
    expect(failures, failures.join('\n\n')).toEqual([]);
    expect(count).toBeGreaterThan(1000);
  });

  it('attention, KV writes, RoPE, norms, sampling, elementwise, penalties', () => {
    const { count, failures } = validateAll(otherVariants());
    expect(failures, failures.join('\n\n')).toEqual([]);
    expect(count).toBeGreaterThan(60);
  });

  it('is not vacuous: naga refuses f16 arithmetic without the enable, and a type error', () => {
    const f16 = matVecKernel({ type: 'q4_k', precision: 'f16', subgroups: false });
    expect(nagaError(f16)).toBeUndefined();
    expect(nagaError({ ...f16, code: f16.code.replace(/^enable f16;$/m, '') })).toMatch(/f16/);
    expect(nagaError({ ...f16, code: `${f16.code}\nfn broken() -> f32 { return 1u; }` })).toBeDefined();
  });
});
