/**
 * The widget's markdown parser (pure): the structure it builds, what hostile
 * model output turns into (text, never markup or a live URL), and that its
 * cost stays linear on inputs built to make naive parsers quadratic.
 */
import { describe, expect, it } from 'vitest';
import { modelSource, progressLine, speedLine } from '../../packages/widget/src/format.ts';
import {
  type Block,
  type Inline,
  MAX_BLOCK_DEPTH,
  parseInline,
  parseMarkdown,
  safeHref,
} from '../../packages/widget/src/markdown.ts';

const text = (t: string): Inline => ({ type: 'text', text: t });
const para = (...children: Inline[]): Block => ({ type: 'paragraph', children });

/** Every string a parse would show, concatenated: what ends up as Text nodes and href values. */
function flatten(blocks: Block[]): { texts: string[]; hrefs: string[]; types: Set<string> } {
  const out = { texts: [] as string[], hrefs: [] as string[], types: new Set<string>() };
  const inline = (n: Inline): void => {
    out.types.add(n.type);
    if (n.type === 'text' || n.type === 'code') out.texts.push(n.text);
    if (n.type === 'link') out.hrefs.push(n.href);
    if ('children' in n) n.children.forEach(inline);
  };
  const block = (b: Block): void => {
    out.types.add(b.type);
    if (b.type === 'paragraph' || b.type === 'heading') b.children.forEach(inline);
    if (b.type === 'code') out.texts.push(b.text);
    if (b.type === 'blockquote') b.children.forEach(block);
    if (b.type === 'list') for (const item of b.items) item.forEach(block);
  };
  blocks.forEach(block);
  return out;
}

describe('markdown structure', () => {
  it('paragraphs split on blank lines; a single newline is a line break', () => {
    expect(parseMarkdown('one\ntwo\n\nthree')).toEqual([
      para(text('one'), { type: 'break' }, text('two')),
      para(text('three')),
    ]);
  });

  it('ATX headings, with a closing run of # dropped', () => {
    expect(parseMarkdown('# Title\n### Sub ###\n####### seven')).toEqual([
      { type: 'heading', level: 1, children: [text('Title')] },
      { type: 'heading', level: 3, children: [text('Sub')] },
      para(text('####### seven')),
    ]);
  });

  it('emphasis, strong, both, inline code, and snake_case left alone', () => {
    expect(parseInline('*a* **b** ***c*** `d` snake_case_name')).toEqual([
      { type: 'em', children: [text('a')] },
      text(' '),
      { type: 'strong', children: [text('b')] },
      text(' '),
      { type: 'strong', children: [{ type: 'em', children: [text('c')] }] },
      text(' '),
      { type: 'code', text: 'd' },
      text(' snake_case_name'),
    ]);
    expect(parseInline('*outer **inner** outer*')).toEqual([
      { type: 'em', children: [text('outer '), { type: 'strong', children: [text('inner')] }, text(' outer')] },
    ]);
  });

  it('code spans keep their content literal, and may hold backticks with a longer fence', () => {
    expect(parseInline('`*not em*` and `` a`b ``')).toEqual([
      { type: 'code', text: '*not em*' },
      text(' and '),
      { type: 'code', text: 'a`b' },
    ]);
  });

  it('backslash escapes', () => {
    expect(parseInline('\\*no\\* \\[x\\](https://a.b)')).toEqual([text('*no* [x](https://a.b)')]);
  });

  it('fenced code blocks with a language, backticks or tildes, unterminated ones run to the end', () => {
    expect(parseMarkdown('```ts\nconst a = 1;\n\n<b>x</b>\n```\nafter')).toEqual([
      { type: 'code', lang: 'ts', text: 'const a = 1;\n\n<b>x</b>' },
      para(text('after')),
    ]);
    expect(parseMarkdown('~~~\nx\n```\ny')).toEqual([{ type: 'code', lang: '', text: 'x\n```\ny' }]);
  });

  it('bullet and ordered lists, nested by indentation, with a start number', () => {
    expect(parseMarkdown('- a\n- b\n  - c\n\n3. x\n4. y')).toEqual([
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: [
          [para(text('a'))],
          [para(text('b')), { type: 'list', ordered: false, start: 1, items: [[para(text('c'))]] }],
        ],
      },
      { type: 'list', ordered: true, start: 3, items: [[para(text('x'))], [para(text('y'))]] },
    ]);
  });

  it('only "1." interrupts a paragraph as an ordered list', () => {
    expect(parseMarkdown('In\n2024. we')).toEqual([para(text('In'), { type: 'break' }, text('2024. we'))]);
  });

  it('blockquotes (nested) and thematic breaks', () => {
    expect(parseMarkdown('> a\n>> b\n\n---\n* * *')).toEqual([
      { type: 'blockquote', children: [para(text('a')), { type: 'blockquote', children: [para(text('b'))] }] },
      { type: 'rule' },
      { type: 'rule' },
    ]);
  });

  it('links to http(s) and mailto, normalized', () => {
    expect(parseInline('[the *docs*](https://example.com/a?b=1) [mail](mailto:x@y.z)')).toEqual([
      {
        type: 'link',
        href: 'https://example.com/a?b=1',
        children: [text('the '), { type: 'em', children: [text('docs')] }],
      },
      text(' '),
      { type: 'link', href: 'mailto:x@y.z', children: [text('mail')] },
    ]);
  });
});

describe('markdown on hostile input', () => {
  it('raw HTML is text', () => {
    const blocks = parseMarkdown('<script>alert(1)</script>\n<img src=x onerror="alert(1)">');
    expect(blocks).toEqual([
      para(text('<script>alert(1)</script>'), { type: 'break' }, text('<img src=x onerror="alert(1)">')),
    ]);
  });

  it('HTML inside code and headings stays text too', () => {
    const { texts, types } = flatten(parseMarkdown('# <b onclick=x>hi</b>\n```html\n<iframe src=//evil>\n```'));
    expect(texts).toEqual(['<b onclick=x>hi</b>', '<iframe src=//evil>']);
    expect([...types].sort()).toEqual(['code', 'heading', 'text']);
  });

  it.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
    'vbscript:msgbox',
    'file:///etc/passwd',
    '//evil.example/x',
    '/relative/path',
    '#fragment',
    'https:evil',
    'http://',
  ])('a link to %s is shown as its literal source', (url) => {
    const source = `[click](${url})`;
    const nodes = parseInline(source);
    expect(nodes).toEqual([text(source)]);
  });

  it('scheme tricks with whitespace or entities never become links', () => {
    for (const source of [
      '[x](java\tscript:alert(1))',
      '[x]( javascript:alert(1))',
      '[x](&#106;avascript:alert(1))',
      '[x](<javascript:alert(1)>)',
    ]) {
      expect(flatten(parseMarkdown(source)).hrefs).toEqual([]);
    }
  });

  it('safeHref allows only http:, https: and mailto:', () => {
    expect(safeHref('https://a.b/c d')).toBe('https://a.b/c%20d');
    expect(safeHref('HTTP://A.B')).toBe('http://a.b/');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
  });

  it('links do not nest; the inner one is text', () => {
    const { hrefs, texts } = flatten(parseMarkdown('[a [b](https://in.example) c](https://out.example)'));
    expect(hrefs).toEqual(['https://out.example/']);
    expect(texts.join('')).toBe('a [b](https://in.example) c');
  });

  it('unterminated constructs stay literal', () => {
    expect(parseInline('**bold `code [link](https://x.y')).toEqual([text('**bold `code [link](https://x.y')]);
    expect(parseInline('*a **b* c**')).toEqual([{ type: 'em', children: [text('a **b')] }, text(' c**')]);
  });

  it('nesting deeper than the cap becomes text instead of recursion', () => {
    const quotes = parseMarkdown(`${'>'.repeat(5000)} deep`);
    let depth = 0;
    let node: Block | undefined = quotes[0];
    while (node?.type === 'blockquote') {
      depth++;
      node = node.children[0];
    }
    expect(depth).toBe(MAX_BLOCK_DEPTH);
    expect(node?.type).toBe('paragraph');
    const lists = parseMarkdown(`${'- '.repeat(5000)}x`);
    expect(flatten(lists).texts.join('')).toContain('- - -');
    expect(() => parseInline(`${'*_'.repeat(5000)}x${'_*'.repeat(5000)}`)).not.toThrow();
    expect(() => parseInline(`${'['.repeat(5000)}x${'](https://a.b)'.repeat(5000)}`)).not.toThrow();
  });

  // Inputs that make naive parsers quadratic: unmatched openers that each scan to the end, closers
  // that never match, backtick runs of every length, brackets without destinations.
  const HOSTILE: [string, (n: number) => string][] = [
    ['unmatched [', (n) => '['.repeat(n)],
    ['[ then ](', (n) => `${'['.repeat(n / 2)}${'](x'.repeat(n / 6)}`],
    ['stars', (n) => '*'.repeat(n)],
    ['star-space runs', (n) => '* a'.repeat(n / 3)],
    ['_a runs', (n) => '_a'.repeat(n / 2)],
    ['** openers', (n) => '**a '.repeat(n / 4)],
    ['backtick runs of rising length', (n) => risingBackticks(n)],
    ['single backticks', (n) => '`a'.repeat(n / 2)],
    ['nested quotes', (n) => '>'.repeat(n)],
    ['nested list markers', (n) => '- '.repeat(n / 2)],
    ['list lines', (n) => '- a\n  '.repeat(n / 6)],
    ['heading with spaces', (n) => `# ${' '.repeat(n)}x`],
    ['escapes', (n) => '\\'.repeat(n)],
    ['html', (n) => '<a href="javascript:x">'.repeat(n / 24)],
    ['links', (n) => '[a](https://x.y/)'.repeat(n / 17)],
    ['fences', (n) => '```\n'.repeat(n / 4)],
  ];

  it.each(HOSTILE)('%s: time grows linearly (n → 16n)', (_name, make) => {
    const small = make(12_500);
    const large = make(200_000);
    // Warm up (JIT) before timing.
    parseMarkdown(small);
    const tSmall = bestOf(3, () => parseMarkdown(small));
    const tLarge = bestOf(2, () => parseMarkdown(large));
    // Linear: ~16× (up to ~25× with cache effects); quadratic would be ~256×. Floors for timer noise.
    expect(tLarge).toBeLessThan(Math.max(64 * tSmall, 40));
    expect(tLarge).toBeLessThan(1500);
  });
});

describe('format helpers', () => {
  it('model attribute → source', () => {
    expect(modelSource('hf:owner/repo/sub/m.gguf', 'https://x/')).toEqual({ hfRepo: 'owner/repo', file: 'sub/m.gguf' });
    expect(modelSource('hf:owner/repo@v1/m.gguf', 'https://x/')).toEqual({
      hfRepo: 'owner/repo',
      file: 'm.gguf',
      revision: 'v1',
    });
    expect(modelSource('models/m.gguf', 'https://intra.example/chat/')).toBe(
      'https://intra.example/chat/models/m.gguf',
    );
    expect(() => modelSource('hf:owner/m.gguf', 'https://x/')).toThrowError(/hf:owner\/repo\/file\.gguf/);
  });

  it('progress and speed lines', () => {
    const p = {
      phase: 'download' as const,
      bytesDone: 12_300_000,
      bytesTotal: 29_100_000,
      fraction: 0.21,
      bytesPerSecond: 5_200_000,
      etaSeconds: 3.2,
      elapsedSeconds: 2,
      text: '',
    };
    expect(progressLine(p)).toBe('Downloading 21% · 12.3 / 29.1 MB · 5.20 MB/s · 3 s left');
    expect(progressLine({ ...p, phase: 'ready', fraction: 1 })).toBe('Ready 100%');
    const extra = {
      prefill_tokens_per_s: 1,
      decode_tokens_per_s: 3.44,
      time_to_first_token_s: 0,
      e2e_latency_s: 0,
      time_per_output_token_s: 0,
      prefill_tokens: 1,
      queue_time_s: 0,
    };
    expect(speedLine({ prompt_tokens: 3, completion_tokens: 12, total_tokens: 15, extra })).toBe(
      '12 tokens · 3.4 tok/s',
    );
    expect(speedLine(undefined)).toBe('');
  });
});

function risingBackticks(n: number): string {
  let out = '';
  for (let len = 1; out.length < n; len++) out += `${'`'.repeat(len)}a`;
  return out;
}

function bestOf(times: number, run: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}
