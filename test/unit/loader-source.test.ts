/** Model sources and their cache ids; the incremental SHA-256 against node:crypto. */
import { createHash } from 'node:crypto';
import { isRuntimeError } from '@webseek/api';
import { hubFileUrl, modelId, resolveSource, Sha256, sha256FromEtag, sha256Hex } from '@webseek/loader';
import { describe, expect, it } from 'vitest';
import { patternBytes } from '../support/range-server.ts';

const repo = 'unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF';
const file = 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M.gguf';

describe('model sources', () => {
  it('builds hub URLs from the configured hub, escaping path segments', () => {
    expect(hubFileUrl({ hfRepo: repo, file })).toBe(`https://huggingface.co/${repo}/resolve/main/${file}`);
    expect(
      hubFileUrl({ hfRepo: 'a/b', file: 'dir/x y.gguf', revision: 'v1.0' }, { hubUrl: 'http://mirror.test/' }),
    ).toBe('http://mirror.test/a/b/resolve/v1.0/dir/x%20y.gguf');
  });

  it('gives a hub file the same id in either form, and a revision its own id', () => {
    const id = modelId({ hfRepo: repo, file });
    expect(id).toBe(`hf:${repo}/${file}@main`);
    expect(modelId(`https://huggingface.co/${repo}/resolve/main/${file}`)).toBe(id);
    expect(modelId({ hfRepo: repo, file, revision: 'abc123' })).not.toBe(id);
    const mirror = resolveSource(`http://mirror.test/${repo}/resolve/main/${file}`, { hubUrl: 'http://mirror.test' });
    expect(mirror).toMatchObject({ kind: 'url', id, hub: true });
  });

  it('uses a plain URL (without its fragment) as the id', () => {
    expect(resolveSource(new URL('http://h.test/m.gguf#x'))).toMatchObject({
      kind: 'url',
      id: 'http://h.test/m.gguf',
      hub: false,
    });
    expect(modelId('/m.gguf', { baseUrl: 'http://h.test/a/' })).toBe('http://h.test/m.gguf');
  });

  it('identifies a File by name, size and mtime; refuses to guess for a bare Blob', () => {
    const a = new File([new Uint8Array(10)], 'm.gguf', { lastModified: 1000 });
    const b = new File([new Uint8Array(11)], 'm.gguf', { lastModified: 1000 });
    expect(modelId(a)).toBe('file-upload:m.gguf:10:1000');
    expect(modelId(b)).not.toBe(modelId(a));
    expect(() => modelId(new Blob([new Uint8Array(3)]))).toThrow(/has no name/);
  });

  it('takes {path} and file: URLs as local files', () => {
    expect(resolveSource({ path: '/m/x.gguf' })).toMatchObject({ kind: 'path', id: 'file:/m/x.gguf' });
    expect(resolveSource('file:///m/x.gguf')).toMatchObject({ kind: 'path', path: '/m/x.gguf' });
  });

  it('rejects what is not a source with INVALID_ARGUMENT', () => {
    const bad = [() => modelId('relative.gguf'), () => modelId({ nope: 1 } as never)];
    for (const f of bad) {
      try {
        f();
        expect.unreachable();
      } catch (error) {
        expect(isRuntimeError(error, 'INVALID_ARGUMENT')).toBe(true);
      }
    }
  });
});

describe('sha256', () => {
  it('matches node:crypto for lengths around block edges, fed in uneven pieces', async () => {
    for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
      const bytes = patternBytes(n, n + 7);
      const want = createHash('sha256').update(bytes).digest('hex');
      const h = new Sha256();
      for (let at = 0, step = 1; at < n; at += step, step = (step * 7) % 97 || 1)
        h.update(bytes.subarray(at, at + step));
      expect(h.hex(), `n=${n}`).toBe(want);
      expect(await sha256Hex(bytes)).toBe(want);
    }
  });

  it('reads a SHA-256 out of ETag-shaped header values only', () => {
    const hex = 'ab'.repeat(32);
    expect(sha256FromEtag(`"${hex}"`)).toBe(hex);
    expect(sha256FromEtag(`W/"${hex.toUpperCase()}"`)).toBe(hex);
    expect(sha256FromEtag('"0123456789abcdef0123456789abcdef01234567"')).toBeUndefined(); // a git sha1
    expect(sha256FromEtag(null)).toBeUndefined();
  });
});
