/**
 * A deterministic corpus for tokenizer parity tests and the benchmark: ~2,400
 * strings across scripts, code, numbers, whitespace, emoji and the special
 * token strings R1 prompts carry. Same seed → same strings on every machine.
 */

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Rand = () => number;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const repeat = (n: number, f: () => string, sep = '') => Array.from({ length: n }, f).join(sep);

const WORDS =
  'the of and to in is you that it he was for on are as with his they at be this have from or one had by word but not what all were we when your can said there use an each which she do how their if will up other about out many then them these so some her would make like him into time has look two more write go see number no way could people my than first water been call who oil its now find long down day did get come made may part model token weights matrix kernel shader buffer reasoning answer'.split(
    ' ',
  );
const PUNCT = [
  '.',
  ',',
  '!',
  '?',
  ';',
  ':',
  '…',
  '—',
  '-',
  '"',
  "'",
  '(',
  ')',
  '[',
  ']',
  '«',
  '»',
  '“',
  '”',
  '。',
  '，',
  '、',
  '！',
  '？',
];
const ZH = [
  '你好',
  '世界',
  '我们',
  '今天',
  '天气',
  '很好',
  '人工智能',
  '深度求索',
  '模型',
  '推理',
  '思考',
  '问题',
  '答案',
  '中国',
  '北京',
  '学习',
  '语言',
  '计算机',
  '数学',
  '证明',
  '因为',
  '所以',
  '但是',
  '非常',
  '谢谢',
];
const JA = [
  'こんにちは',
  '世界',
  'ありがとう',
  'カタカナ',
  'ひらがな',
  '東京',
  '日本語',
  'テスト',
  'です',
  'ます',
  'トークナイザー',
  '機械学習',
  'ラーメン',
  'の',
  'は',
  'を',
  'に',
  'が',
];
const KO = [
  '안녕하세요',
  '세계',
  '감사합니다',
  '한국어',
  '서울',
  '토크나이저',
  '모델',
  '사랑',
  '학교',
  '는',
  '을',
  '이',
  '가',
];
const OTHER = [
  'Привет мир',
  'Ελληνικά γράμματα',
  'مرحبا بالعالم',
  'שלום עולם',
  'नमस्ते दुनिया',
  'สวัสดีชาวโลก',
  'Tiếng Việt có dấu',
  'Zürich Straße Øresund',
  'ǅungla ǈ',
  'İstanbul ıi',
  'ﬁnance ﬀ',
  'ℌ𝔢𝔩𝔩𝔬 𝕎𝕠𝕣𝕝𝕕',
  'Ⅻ ⅻ ↉',
];
const EMOJI = [
  '😀',
  '👍',
  '👍🏽',
  '👍🏿',
  '👨‍👩‍👧‍👦',
  '🧑🏻‍💻',
  '👩‍❤️‍💋‍👨',
  '🏳️‍🌈',
  '🇨🇳',
  '🇺🇸',
  '#️⃣',
  '❤️',
  '☺︎',
  '🫠',
  '🐉',
  '✅',
  '🤖',
  '🧠',
  '🥷🏾',
  '🙇‍♀️',
];
const SPECIAL = [
  '<think>',
  '</think>',
  '<｜User｜>',
  '<｜Assistant｜>',
  '<｜begin▁of▁sentence｜>',
  '<｜end▁of▁sentence｜>',
  '<|im_start|>',
  '<|im_end|>',
  '<|endoftext|>',
  '<|begin_of_text|>',
  '<|eot_id|>',
  '<|start_header_id|>',
  '<|EOT|>',
  '<｜tool▁calls▁begin｜>',
  '<tool_call>',
  '<thi',
  '</thin',
  '<｜User',
  '｜>',
  '<<think>>',
  '<think><think>',
  '<|reserved_special_token_5|>',
];
const CONTRACTIONS = [
  "I'm",
  "you're",
  "they'll",
  "WE'RE",
  "it'S",
  "can't",
  "she'd",
  "we've",
  "'s",
  "''",
  "'ll'",
  "rock 'n' roll",
  "O'Neil",
  'it’s',
  "x'ſ",
  "'D'",
  "l'été",
  "'Ve",
];
const WS = [
  ' ',
  '  ',
  '   ',
  '\t',
  '\t\t',
  '\n',
  '\n\n',
  '\r\n',
  '\r',
  ' \n',
  '\n ',
  '\u00a0',
  '\u3000',
  '\u2028',
  '\u0085',
  '\ufeff',
  '\v',
  '\f',
  '\u200b',
  '\u2003',
];
const CODE = [
  'function add(a, b) {\n  return a + b;\n}\n',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'fn main() {\n    let v: Vec<u32> = (0..10).map(|x| x * x).collect();\n    println!("{:?}", v);\n}',
  '#include <stdio.h>\nint main(void) {\n\tprintf("%d\\n", 42);\n\treturn 0;\n}\n',
  'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hi")\n}\n',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC LIMIT 10;',
  '<div class="card"><p>Hello &amp; welcome</p></div>',
  '{"key": [1, 2.5, -3e10, true, null], "nested": {"a": "b"}}',
  'for i in $(seq 1 10); do echo "$i"; done 2>&1 | tee log.txt',
  'const re = /^\\s*(?:\\d{1,3}\\.){3}\\d{1,3}$/u;',
  '    x += 1  # comment\n\n\n    y = x ** 2 // 3',
  'let mut s = String::new(); s.push_str("🦀");',
  '@compute @workgroup_size(64) fn main(@builtin(global_invocation_id) id: vec3<u32>) {}',
  'public static void main(String[] args) { System.out.println("x"); }',
];

function english(r: Rand): string {
  const n = int(r, 1, 24);
  let s = '';
  for (let i = 0; i < n; i++) {
    let w = pick(r, WORDS);
    const c = r();
    if (c < 0.1) w = w.toUpperCase();
    else if (c < 0.25 || i === 0) w = w[0]!.toUpperCase() + w.slice(1);
    s += (i > 0 ? ' ' : '') + w;
    if (r() < 0.15) s += pick(r, PUNCT);
  }
  return s + pick(r, ['.', '!', '?', '', '...', '\n']);
}

function cjk(r: Rand, words: readonly string[], lo: number, hi: number): string {
  let s = '';
  const n = int(r, 1, 16);
  for (let i = 0; i < n; i++) {
    s += r() < 0.75 ? pick(r, words) : String.fromCodePoint(int(r, lo, hi));
    if (r() < 0.2) s += pick(r, PUNCT);
    if (r() < 0.1) s += ' ';
  }
  return s;
}

function number(r: Rand): string {
  const digits = (n: number) => repeat(n, () => String(int(r, 0, 9)));
  const forms = [
    () => digits(int(r, 1, 40)),
    () => `${digits(int(r, 1, 6))}.${digits(int(r, 1, 8))}`,
    () => `-${digits(int(r, 1, 4))},${digits(3)},${digits(3)}`,
    () => `${digits(1)}.${digits(3)}e-${digits(2)}`,
    () => `+1 (${digits(3)}) ${digits(3)}-${digits(4)}`,
    () => `v${digits(1)}.${digits(2)}.${digits(1)}`,
    () => `${digits(4)}-${digits(2)}-${digits(2)}T${digits(2)}:${digits(2)}:${digits(2)}Z`,
    () => '٠١٢٣٤٥٦٧٨٩ ۱۲۳ १२३ １２３４５ ²³¹ ½ ⑫',
    () => `0x${repeat(int(r, 1, 16), () => pick(r, [...'0123456789abcdefABCDEF']))}`,
    () => `${digits(int(r, 1, 3))}${pick(r, ['%', '$', '€', 'kg', 'ms', 'GB', '°C'])}`,
  ];
  return pick(r, forms)();
}

function whitespace(r: Rand): string {
  const n = int(r, 1, 8);
  let s = '';
  for (let i = 0; i < n; i++) s += repeat(int(r, 1, 3), () => pick(r, WS)) + (r() < 0.6 ? pick(r, WORDS) : '');
  return s;
}

function emoji(r: Rand): string {
  return repeat(int(r, 1, 6), () => pick(r, EMOJI) + (r() < 0.4 ? pick(r, [' ', '', 'ok', '!', '\n']) : ''));
}

function mixed(r: Rand): string {
  const parts = [
    () => english(r),
    () => cjk(r, ZH, 0x4e00, 0x9fff),
    () => cjk(r, JA, 0x3041, 0x30ff),
    () => cjk(r, KO, 0xac00, 0xd7a3),
    () => pick(r, OTHER),
    () => number(r),
    () => pick(r, EMOJI),
    () => pick(r, SPECIAL),
    () => pick(r, CONTRACTIONS),
    () => pick(r, WS),
    () => repeat(int(r, 2, 9), () => pick(r, PUNCT)),
  ];
  return repeat(int(r, 2, 6), () => pick(r, parts)(), pick(r, [' ', '', '\n', '\t']));
}

function special(r: Rand): string {
  const turn = () => `${pick(r, SPECIAL)}${r() < 0.7 ? english(r) : cjk(r, ZH, 0x4e00, 0x9fff)}`;
  return repeat(int(r, 1, 5), turn, pick(r, ['', '\n', ' ']));
}

function contractions(r: Rand): string {
  return repeat(int(r, 1, 6), () => pick(r, CONTRACTIONS), pick(r, [' ', '', ', ']));
}

function punctuation(r: Rand): string {
  return repeat(
    int(r, 1, 5),
    () => repeat(int(r, 1, 12), () => pick(r, [...PUNCT, '*', '#', '=', '~', '/', '\\', '|', '@', '&', '^', '%', '`'])),
    pick(r, [' ', '', '\n', '\r\n']),
  );
}

/** Random code points from every plane except surrogates: controls, private use, combining marks, noncharacters. */
function codepoints(r: Rand): string {
  const ranges: [number, number][] = [
    [0, 0x7f],
    [0x80, 0x2ff],
    [0x300, 0x36f],
    [0x370, 0xd7ff],
    [0xe000, 0xfffd],
    [0xfffe, 0xffff],
    [0x10000, 0x1ffff],
    [0x20000, 0x2ffff],
    [0xe0000, 0x10ffff],
  ];
  return repeat(int(r, 1, 20), () => {
    const [lo, hi] = pick(r, ranges);
    return String.fromCodePoint(int(r, lo, hi));
  });
}

/** Decomposed (NFD) text: NFC-normalizing vocabularies must compose it exactly as HF does. */
function decomposed(r: Rand): string {
  return pick(r, ['café résumé naïve', 'Ångström Ω Å', '한국어 텍스트', 'Tiếng Việt', 'ñandú äöü', 'ǅ ﬁ ①']).normalize(
    r() < 0.5 ? 'NFD' : 'NFKD',
  );
}

function long(r: Rand): string {
  const forms = [
    () => `${' '.repeat(int(r, 50, 600))}x`,
    () => repeat(int(r, 100, 400), () => String(int(r, 0, 9))),
    () => 'a'.repeat(int(r, 65, 700)),
    () => repeat(int(r, 70, 500), () => String.fromCodePoint(int(r, 0x4e00, 0x9fff))),
    () => repeat(int(r, 30, 90), () => pick(r, ['ab', 'ba', 'aa', 'abc', 'the', 'ing'])),
    () => '\n'.repeat(int(r, 20, 200)) + '\t'.repeat(int(r, 5, 50)),
    () => repeat(int(r, 40, 120), () => pick(r, EMOJI)),
    () => repeat(int(r, 100, 300), () => pick(r, [...'=-_*#~.'])),
    () => repeat(120, () => pick(r, [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'])),
  ];
  return pick(r, forms)();
}

const KINDS: [name: string, count: number, make: (r: Rand) => string][] = [
  ['english', 400, english],
  ['chinese', 200, (r) => cjk(r, ZH, 0x4e00, 0x9fff)],
  ['japanese', 150, (r) => cjk(r, JA, 0x3041, 0x30ff)],
  ['korean', 120, (r) => cjk(r, KO, 0xac00, 0xd7a3)],
  ['code', 200, (r) => repeat(int(r, 1, 3), () => pick(r, CODE), pick(r, ['', '\n', '\r\n\r\n']))],
  ['numbers', 250, number],
  ['whitespace', 200, whitespace],
  ['emoji', 150, emoji],
  ['mixed', 300, mixed],
  ['special', 200, special],
  ['contractions', 100, contractions],
  ['punctuation', 100, punctuation],
  ['codepoints', 120, codepoints],
  ['decomposed', 30, decomposed],
  ['long', 60, long],
];

export interface CorpusEntry {
  kind: string;
  text: string;
}

/** ~2,800 strings; fixed for a given seed. */
export function tokenizerCorpus(seed = 20250122): CorpusEntry[] {
  const r = rng(seed);
  const out: CorpusEntry[] = [];
  for (const [kind, count, make] of KINDS) for (let i = 0; i < count; i++) out.push({ kind, text: make(r) });
  out.push({ kind: 'edge', text: '' }, { kind: 'edge', text: ' ' }, { kind: 'edge', text: '\ufeffBOM first' });
  return out;
}
