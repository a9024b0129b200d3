// Sampling, pass 2: one workgroup turns the candidates into one token id.
//  1. select: the top `kept` candidates by (logit desc, id asc), kept = top_k clamped to KEEP_CAP,
//     by an exact radix select on the 56-bit composite (key, 2^24 - 1 - id): up to 7 histogram
//     rounds of 8 bits, stopping as soon as a whole bin fits;
//  2. sort them (bitonic, in workgroup memory);
//  3. integer weights, prefix sums, top-p cut, draw (see sampler.wgsl): the first candidate whose
//     cumulative weight exceeds u * (kept total).
// The greedy id written by the argmax pass stays when the temperature means greedy or no token has
// a nonzero weight (all logits NaN or -inf).
//
// Needs: Step, keys.wgsl, wide.wgsl, sampler.wgsl, KEEP_CAP (= 4 * WG: four sorted candidates per
// thread), and wg_scan + the entry point (scan_*.wgsl).

struct Params {
  vocab: u32,
  gather_cap: u32,  // capacity of cand
}

struct SampleState {
  max_key: u32,
  max_id: u32,
  count: u32,
  _pad: u32,
}

@group(0) @binding(0) var<storage, read> logits: array<f32>;        // (vocab) f32
@group(0) @binding(1) var<storage, read> state: SampleState;
@group(0) @binding(2) var<storage, read> cand: array<u32>;          // (gather_cap) token ids
@group(0) @binding(3) var<storage, read_write> out: array<u32>;     // (1) token id, or (2) id and prob (f32 bits)
@group(0) @binding(4) var<uniform> step: Step;
@group(0) @binding(5) var<uniform> params: Params;
@group(0) @binding(6) var<storage, read> exp2_table: array<u32>;    // (257) round(2^24 * 2^(-j/256))

override WG: u32 = 256u;  // must be 256: one thread per histogram bin

var<workgroup> hist: array<atomic<u32>, 256>;
var<workgroup> sort_key: array<u32, KEEP_CAP>;  // order keys, then cumulative weights
var<workgroup> sort_id: array<u32, KEEP_CAP>;
var<workgroup> selected: atomic<u32>;
// Radix-select state: the threshold's digits so far (thr), which bits they cover (mask), how many
// candidates are still to take (need), and whether a whole bin settled it (done).
var<workgroup> thr: vec2<u32>;
var<workgroup> mask: vec2<u32>;
var<workgroup> need: u32;
var<workgroup> done: u32;
var<workgroup> kept_total: u32;
var<workgroup> kept_end: u32;

// Candidate j of the source: cand[j] when every candidate fit there, else token j itself.
// Returns (key, 2^24 - 1 - id, live); live = 0 for zero-weight tokens.
fn candidate(j: u32, from_cand: bool, m: f32, s: f32) -> vec3<u32> {
  var id = j;
  if (from_cand) {
    id = cand[j];
  }
  let bits = bitcast<u32>(logits[id]);
  if (logit_weight(bits, m, s) == 0u) {
    return vec3<u32>(0u);
  }
  return vec3<u32>(order_key(bitcast<f32>(bits)), 0xffffffu - id, 1u);
}

fn digit(c: vec3<u32>, level: u32) -> u32 {
  if (level < 4u) {
    return (c.x >> (24u - 8u * level)) & 0xffu;
  }
  return (c.y >> (16u - 8u * (level - 4u))) & 0xffu;
}

fn set_digit(level: u32, d: u32) {
  if (level < 4u) {
    let sh = 24u - 8u * level;
    thr.x |= d << sh;
    mask.x |= 0xffu << sh;
  } else {
    let sh = 16u - 8u * (level - 4u);
    thr.y |= d << sh;
    mask.y |= 0xffu << sh;
  }
}

// Radix select: afterwards the kept candidates are exactly those with (key, lo) >= thr.
fn select_threshold(lid: u32, total: u32, from_cand: bool, m: f32, s: f32) {
  for (var level = 0u; level < 7u; level++) {
    if (workgroupUniformLoad(&done) != 0u) {
      break;
    }
    atomicStore(&hist[lid], 0u);
    workgroupBarrier();
    let t = thr;
    let msk = mask;
    let want = need;
    for (var j = lid; j < total; j += WG) {
      let c = candidate(j, from_cand, m, s);
      if (c.z != 0u && all((c.xy & msk) == t)) {
        atomicAdd(&hist[digit(c, level)], 1u);
      }
    }
    workgroupBarrier();
    // Thread lid owns bin 255 - lid: prefix sums run from the highest digit down.
    let bin = atomicLoad(&hist[255u - lid]);
    let above = wg_scan(bin, lid).x - bin;
    if (above < want && want <= above + bin) {
      set_digit(level, 255u - lid);
      need = want - above;
      if (bin == want - above) {
        done = 1u;
      }
    }
    workgroupBarrier();
  }
}

fn gather_selected(lid: u32, total: u32, from_cand: bool, m: f32, s: f32) {
  let t = workgroupUniformLoad(&thr);
  for (var j = lid; j < total; j += WG) {
    let c = candidate(j, from_cand, m, s);
    if (c.z != 0u && (c.x > t.x || (c.x == t.x && c.y >= t.y))) {
      let slot = atomicAdd(&selected, 1u);
      sort_key[slot] = c.x;
      sort_id[slot] = 0xffffffu - c.y;
    }
  }
}

// Sorts sort_key/sort_id[0 .. n) best first; n is padded to a power of two with losers.
fn bitonic_sort(lid: u32, count: u32) {
  var n = 1u;
  while (n < count) {
    n = n * 2u;
  }
  for (var i = count + lid; i < n; i += WG) {
    sort_key[i] = NO_BEST.x;
    sort_id[i] = NO_BEST.y;
  }
  workgroupBarrier();
  for (var k = 2u; k <= n; k = k * 2u) {
    for (var j = k / 2u; j > 0u; j = j / 2u) {
      for (var t = lid; t < n / 2u; t += WG) {
        let a = 2u * t - (t & (j - 1u));
        let b = a + j;
        let va = vec2<u32>(sort_key[a], sort_id[a]);
        let vb = vec2<u32>(sort_key[b], sort_id[b]);
        // Blocks with (a & k) == 0 sort best first, the others worst first.
        if (select(beats(va, vb), beats(vb, va), (a & k) == 0u)) {
          sort_key[a] = vb.x;
          sort_id[a] = vb.y;
          sort_key[b] = va.x;
          sort_id[b] = va.y;
        }
      }
      workgroupBarrier();
    }
  }
}

// cum * 2^24 >= p * total, in 64-bit integers (p is a 24-bit fraction).
fn reaches(cum: u32, p: u32, total: u32) -> bool {
  return !lt64(vec2<u32>(cum >> 8u, cum << 24u), mul_wide(p, total));
}

// Weights and prefix sums of the sorted candidates (4 per thread), the top-p cut, and the draw.
fn draw(lid: u32, count: u32, m: f32, s: f32) {
  var w: array<u32, 4>;
  var cum: array<u32, 4>;
  var run = 0u;
  for (var q = 0u; q < 4u; q++) {
    let i = 4u * lid + q;
    w[q] = 0u;
    if (i < count) {
      w[q] = logit_weight(key_bits(sort_key[i]), m, s);
    }
    run += w[q];
    cum[q] = run;
  }
  let scan = wg_scan(run, lid);
  let before = scan.x - run;
  let total = scan.y;
  // Top-p: keep candidates 0 ..= i for the first i whose cumulative weight reaches top_p * total.
  let p = top_p_q24();
  for (var q = 0u; q < 4u; q++) {
    let i = 4u * lid + q;
    let prev = select(before + cum[max(q, 1u) - 1u], before, q == 0u);
    if (i < count && reaches(before + cum[q], p, total) && (i == 0u || !reaches(prev, p, total))) {
      kept_end = i + 1u;
      kept_total = before + cum[q];
    }
  }
  workgroupBarrier();
  let end = kept_end;
  let kept = kept_total;
  // Draw: the first kept candidate whose cumulative weight exceeds u * kept (u = pcg_hash >> 8, 24 bits).
  let u = mul_wide(pcg_hash(step.seed) >> 8u, kept);
  for (var q = 0u; q < 4u; q++) {
    let i = 4u * lid + q;
    let prev = select(before + cum[max(q, 1u) - 1u], before, q == 0u);
    let c = before + cum[q];
    if (i < end && lt64(u, vec2<u32>(c >> 8u, c << 24u)) && !lt64(u, vec2<u32>(prev >> 8u, prev << 24u))) {
      out[0] = sort_id[i];
      if (arrayLength(&out) > 1u) {
        out[1] = bitcast<u32>(f32(w[q]) / f32(kept));
      }
    }
  }
}

fn kernel(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) {
  if (!sampling_active() || state.count == 0u) {
    return;
  }
  let m = clamped_logit(key_bits(state.max_key));
  let s = log2e_over_temperature();
  let n = state.count;
  let kept = min(top_k_kept(KEEP_CAP), n);
  let from_cand = n <= params.gather_cap;
  let total = select(params.vocab, n, from_cand);
  if (lid == 0u) {
    thr = vec2<u32>(0u);
    mask = vec2<u32>(0u);
    need = kept;
    done = select(0u, 1u, kept == n);
    atomicStore(&selected, 0u);
  }
  workgroupBarrier();
  select_threshold(lid, total, from_cand, m, s);
  gather_selected(lid, total, from_cand, m, s);
  workgroupBarrier();
  bitonic_sort(lid, kept);
  draw(lid, kept, m, s);
}
