/**
 * Tokenizer throughput: encode and decode MB/s (UTF-8 bytes of text) for ours
 * and @huggingface/tokenizers on the parity-test corpus, Qwen2 and Llama 3
 * vocabularies. Median of several warm rounds, ours and the reference
 * interleaved so a busy machine slows both alike.
 *
 *   node --import ./scripts/register-ts.mjs test/bench/tokenizer.ts
 */
import { cpus, loadavg } from 'node:os';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { tokenizerFromHf } from '@webseek/tokenizer';
import { tokenizerCorpus } from '../unit/tokenizer-corpus.ts';
import { loadHf, type VocabName } from '../unit/tokenizer-fixtures.ts';

const ROUNDS = 7;
const texts = tokenizerCorpus().map((e) => e.text);
const document = texts.join('\n');
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const corpusBytes = texts.reduce((n, s) => n + bytes(s), 0);

interface Impl {
  encode(s: string): number[];
  decode(ids: number[]): string;
}

function encodeAll(impl: Impl, list: readonly string[]): void {
  for (const s of list) impl.encode(s);
}

function decodeAll(impl: Impl, list: readonly number[][]): void {
  for (const ids of list) impl.decode(ids);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

interface Speed {
  /** MB/s by the wall clock */
  wall: number;
  /** MB/s by this process's CPU time: steadier when other processes share the cores */
  cpu: number;
}

/** Speeds of each implementation running `work`, medians over interleaved rounds after `warm` unmeasured ones. */
function race(impls: Impl[], work: (impl: Impl) => void, mb: number, rounds = ROUNDS, warm = 1): Speed[] {
  const wall = impls.map(() => [] as number[]);
  const cpu = impls.map(() => [] as number[]);
  for (let round = 0; round < rounds + warm; round++) {
    impls.forEach((impl, i) => {
      const [w, c] = [performance.now(), cpuMs()];
      work(impl);
      if (round >= warm) {
        wall[i]!.push(performance.now() - w);
        cpu[i]!.push(cpuMs() - c);
      }
    });
  }
  return impls.map((_, i) => ({ wall: mb / (median(wall[i]!) / 1000), cpu: mb / (median(cpu[i]!) / 1000) }));
}

function bench(name: VocabName): void {
  const { json, config } = loadHf(name);
  let t = performance.now();
  const ours = tokenizerFromHf(json, config);
  const oursLoad = performance.now() - t;
  t = performance.now();
  const hf = new HfTokenizer(json, config);
  const hfLoad = performance.now() - t;
  const ref: Impl = {
    encode: (s) => (s === '' ? [] : hf.encode(s, { add_special_tokens: false }).ids),
    decode: (ids) => (ids.length === 0 ? '' : hf.decode(ids, { clean_up_tokenization_spaces: false })),
  };
  const impls: Impl[] = [ours, ref];
  const mb = corpusBytes / 1e6;
  const docMb = bytes(document) / 1e6;
  // Text neither has seen: caches emptied before every round (after a JIT warm-up round).
  const clear = () => {
    ours.clearCache();
    (hf.model as unknown as { clear_cache(): void }).clear_cache();
  };
  const uncached = (impl: Impl) => {
    clear();
    encodeAll(impl, texts);
  };
  const cold = race(impls, uncached, mb);
  const corpusIds = texts.map((s) => ours.encode(s));
  const documentIds = ours.encode(document);
  const results: [string, Speed[]][] = [
    [`encode ${texts.length} strings, no cache`, cold],
    [`encode ${texts.length} strings, cached`, race(impls, (impl) => encodeAll(impl, texts), mb)],
    [`decode ${texts.length} strings`, race(impls, (impl) => decodeAll(impl, corpusIds), mb)],
    [`encode 1 doc (${docMb.toFixed(2)} MB)`, race(impls, (impl) => impl.encode(document), docMb)],
    [`decode 1 doc (${documentIds.length} ids)`, race(impls, (impl) => impl.decode(documentIds), docMb)],
  ];
  const mbs = (s: Speed) => `${s.wall.toFixed(2).padStart(6)} MB/s (cpu ${s.cpu.toFixed(2).padStart(6)})`;
  console.log(
    `${name.padEnd(9)} load tokenizer.json (parsed)  ours ${oursLoad.toFixed(0).padStart(5)} ms   hf ${hfLoad.toFixed(0).padStart(5)} ms`,
  );
  for (const [what, [a, b]] of results) {
    console.log(
      `${name.padEnd(9)} ${what.padEnd(29)} ours ${mbs(a!)}   hf ${mbs(b!)}   ours/hf ×${(a!.cpu / b!.cpu).toFixed(1)}`,
    );
  }
}

const cpu = cpus();
console.log(
  `tokenizer bench: ${cpu[0]?.model ?? 'unknown CPU'} × ${cpu.length}, node ${process.version}, ` +
    `load avg ${loadavg()[0]!.toFixed(1)}; corpus ${texts.length} strings, ${(corpusBytes / 1e6).toFixed(2)} MB; median of ${ROUNDS} rounds; ratio by CPU time`,
);
bench('qwen3');
bench('llama3_1');
