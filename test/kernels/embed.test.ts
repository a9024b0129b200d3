import { isRuntimeError } from '@webseek/api';
import { type GgmlTypeName, ggmlType } from '@webseek/formats';
import { embedRows, runDispatches, uploadWeights } from '@webseek/gpu';
import { WEIGHT_TYPES, weightFormat } from '@webseek/kernels';
import * as ref from '@webseek/reference';
import { describe, expect, it } from 'vitest';
import { expectClose, guarded, testContext } from '../support/gpu.ts';

// A gather through the f32 decoders is bit-exact (see decode.test.ts).
const EXACT = { atol: 0, rtol: 0 };

/** K: odd for floats, 3 blocks for block types; N = 11 rows (a small vocabulary). */
function width(type: GgmlTypeName): number {
  const block = ggmlType(type).blockValues;
  return block === 1 ? 77 : 3 * block;
}

describe('embedRows', () => {
  for (const type of WEIGHT_TYPES) {
    it(`${type} K=${width(type)}: repeated ids, first/last rows, ids ≥ N give zeros`, async () => {
      const ctx = await testContext();
      const k = width(type);
      const n = 11;
      const raw = ref.randomGgufTensor(type, k, n, 3 * k);
      const w = await uploadWeights(ctx, `emb_${type}`, weightFormat(type).repack(raw, k, n));
      const ids = new Uint32Array([3, 0, 10, 3, 11, 0xffffffff, 7]);
      const idsBuf = await ctx.upload('ids', ids);
      const y = await guarded(ctx, 'y', ids.length * k * 4);
      const d = await embedRows(ctx, { w, ids: idsBuf, y: y.binding, count: ids.length });
      await runDispatches(ctx, [d]);
      const want = ref.embedRows(ref.dequantizeMatrix(type, raw, k, n), ids, k, n);
      expectClose(await y.readF32(), want, EXACT, d.label);
    });
  }

  it('count below the ids buffer length gathers only count rows', async () => {
    const ctx = await testContext();
    const raw = ref.randomGgufTensor('q8_0', 64, 5, 1);
    const w = await uploadWeights(ctx, 'emb', weightFormat('q8_0').repack(raw, 64, 5));
    const ids = await ctx.upload('ids', new Uint32Array([4, 1, 2, 3]));
    const y = await guarded(ctx, 'y', 2 * 64 * 4);
    await runDispatches(ctx, [await embedRows(ctx, { w, ids, y: y.binding, count: 2 })]);
    expectClose(
      await y.readF32(),
      ref.embedRows(ref.dequantizeMatrix('q8_0', raw, 64, 5), [4, 1], 64, 5),
      EXACT,
      'embed',
    );
  });

  it('more tokens than one grid dimension holds (2-D dispatch)', async () => {
    const ctx = await testContext();
    const count = ctx.caps.maxComputeWorkgroupsPerDimension + 7;
    const [k, n] = [8, 301];
    const raw = ref.randomGgufTensor('f16', k, n, 4);
    const w = await uploadWeights(ctx, 'emb', weightFormat('f16').repack(raw, k, n));
    const idList = new Uint32Array(count).map((_, i) => (i * 7) % (n + 3));
    const ids = await ctx.upload('ids', idList);
    const y = await guarded(ctx, 'y', count * k * 4);
    const d = await embedRows(ctx, { w, ids, y: y.binding, count });
    expect(d.workgroups[1]).toBeGreaterThan(1);
    await runDispatches(ctx, [d]);
    expectClose(await y.readF32(), ref.embedRows(ref.dequantizeMatrix('f16', raw, k, n), idList, k, n), EXACT, d.label);
  });

  it('rejects a y too small for count × K, naming kernel and binding', async () => {
    const ctx = await testContext();
    const raw = ref.randomGgufTensor('f16', 9, 4, 1);
    const w = await uploadWeights(ctx, 'emb', weightFormat('f16').repack(raw, 9, 4));
    const ids = await ctx.upload('ids', new Uint32Array(3));
    const y = await ctx.upload('y', new Float32Array(9 * 3 - 1));
    const error = await embedRows(ctx, { w, ids, y, count: 3 }).catch((e: unknown) => e);
    expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect((error as Error).message).toMatch(/embed_f16_f32.*'y'.*104 bytes.*108/);
  });
});
