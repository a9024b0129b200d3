/**
 * Model sources: where a GGUF comes from, and the id its cached copy is kept
 * under. A string or URL is fetched over HTTP (Range requests); a Hugging Face
 * repo + file becomes `<hubUrl>/<repo>/resolve/<revision>/<file>`; a Blob/File
 * is read by slicing; `{path}` is a local file (Node only).
 */
import { RuntimeError } from '@webseek/api';
import { type ByteSource, blobSource, urlSource } from '@webseek/formats';

/** The Hugging Face hub used when no `hubUrl` is configured. The only place it is written down. */
export const DEFAULT_HUB_URL = 'https://huggingface.co';

/** A file in a Hugging Face model repo, e.g. `{hfRepo: 'unsloth/DeepSeek-R1-Distill-Qwen-1.5B-GGUF', file: '….gguf'}`. */
export interface HubFile {
  hfRepo: string;
  file: string;
  /** Branch, tag or commit; default 'main'. */
  revision?: string;
}

/** A local file, read with node:fs (Node only). */
export interface PathFile {
  path: string;
}

export type ModelSource = string | URL | HubFile | Blob | PathFile;

export interface SourceOptions {
  /** Hugging Face hub (or mirror) base URL; default DEFAULT_HUB_URL. */
  hubUrl?: string;
  /** Resolves relative URL strings; default the page's location (browsers). */
  baseUrl?: string;
}

export type ResolvedSource =
  | {
      kind: 'url';
      /** Cache id: `hf:<repo>/<file>@<revision>` for hub files, else the URL without its fragment. */
      id: string;
      url: string;
      /** True for a hub `resolve` URL: its LFS headers carry the file's SHA-256. */
      hub: boolean;
    }
  /** `id` is undefined for a Blob that is not a File (nothing identifies it): pass one explicitly. */
  | { kind: 'blob'; id: string | undefined; url: string; blob: Blob }
  | { kind: 'path'; id: string; url: string; path: string };

/** `<hubUrl>/<repo>/resolve/<revision>/<file>`, each path segment escaped. */
export function hubFileUrl(file: HubFile, options: SourceOptions = {}): string {
  const hub = (options.hubUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '');
  const repo = file.hfRepo.split('/').map(encodeURIComponent).join('/');
  const path = file.file.split('/').map(encodeURIComponent).join('/');
  return `${hub}/${repo}/resolve/${encodeURIComponent(file.revision ?? 'main')}/${path}`;
}

/** Classifies a source and derives its cache id. Throws INVALID_ARGUMENT for anything else. */
export function resolveSource(source: ModelSource, options: SourceOptions = {}): ResolvedSource {
  if (typeof source === 'string' || source instanceof URL) return resolveUrl(absoluteUrl(source, options), options);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return resolveBlob(source);
  if (isHubFile(source)) {
    const url = hubFileUrl(source, options);
    return { kind: 'url', id: hubId(source.hfRepo, source.file, source.revision ?? 'main'), url, hub: true };
  }
  if (isPathFile(source))
    return { kind: 'path', id: `file:${source.path}`, url: `file:${source.path}`, path: source.path };
  throw new RuntimeError('INVALID_ARGUMENT', `model source: expected a URL, {hfRepo, file}, a Blob/File or {path}`, {
    details: { source: String(source) },
  });
}

/** The cache id of a source (see ResolvedSource); INVALID_ARGUMENT for a Blob that is not a File. */
export function modelId(source: ModelSource, options: SourceOptions = {}): string {
  const resolved = resolveSource(source, options);
  if (resolved.id === undefined) throw anonymousBlob();
  return resolved.id;
}

export interface OpenSourceOptions extends SourceOptions {
  /** Extra request headers (e.g. Authorization for gated repos). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** Opens `{path}` sources; @webseek/loader/node supplies node:fs. */
  openPath?: (path: string) => Promise<ByteSource>;
}

/** Reads a source directly, uncached: Range requests for URLs, slices for Blobs, node:fs for paths. */
export async function openSource(source: ModelSource, options: OpenSourceOptions = {}): Promise<ByteSource> {
  const resolved = resolveSource(source, options);
  if (resolved.kind === 'blob') return blobSource(resolved.blob);
  if (resolved.kind === 'path') return openPath(resolved.path, options.openPath);
  const { headers, signal, fetch } = options;
  return urlSource(resolved.url, {
    ...(headers ? { headers } : {}),
    ...(signal ? { signal } : {}),
    ...(fetch ? { fetch } : {}),
  });
}

export function openPath(path: string, opener: OpenSourceOptions['openPath']): Promise<ByteSource> {
  if (!opener) {
    throw new RuntimeError(
      'INVALID_ARGUMENT',
      `${path}: a file path can only be opened in Node (@webseek/loader/node)`,
      {
        details: { path },
      },
    );
  }
  return opener(path);
}

export function anonymousBlob(): RuntimeError {
  return new RuntimeError('INVALID_ARGUMENT', 'a Blob that is not a File has no name: pass `id` to cache it');
}

function absoluteUrl(source: string | URL, options: SourceOptions): URL {
  const base = options.baseUrl ?? (globalThis as { location?: { href: string } }).location?.href;
  try {
    return new URL(source, base);
  } catch (cause) {
    throw new RuntimeError('INVALID_ARGUMENT', `model source ${String(source)}: not an absolute URL (and no baseUrl)`, {
      cause,
      details: { source: String(source) },
    });
  }
}

/** A URL under the hub's `/<owner>/<name>/resolve/<rev>/<file>` gets the same id as the HubFile form. */
function resolveUrl(url: URL, options: SourceOptions): ResolvedSource {
  url.hash = '';
  const href = url.href;
  if (url.protocol === 'file:') {
    const path = decodeURIComponent(url.pathname);
    return { kind: 'path', id: `file:${path}`, url: `file:${path}`, path };
  }
  const hub = `${(options.hubUrl ?? DEFAULT_HUB_URL).replace(/\/+$/, '')}/`;
  const match =
    href.startsWith(hub) && !url.search
      ? /^([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(href.slice(hub.length))
      : null;
  if (!match) return { kind: 'url', id: href, url: href, hub: false };
  const [repo, revision, file] = [match[1]!, match[2]!, match[3]!].map(decodeURIComponent) as [string, string, string];
  return { kind: 'url', id: hubId(repo, file, revision), url: href, hub: true };
}

function resolveBlob(blob: Blob): ResolvedSource {
  const file = blob as Partial<File>;
  if (typeof file.name !== 'string' || typeof file.lastModified !== 'number') {
    return { kind: 'blob', id: undefined, url: 'blob:', blob };
  }
  // Name, size and mtime: a different file with the same name gets a different id.
  const id = `file-upload:${file.name}:${blob.size}:${file.lastModified}`;
  return { kind: 'blob', id, url: `blob:${file.name}`, blob };
}

function hubId(repo: string, file: string, revision: string): string {
  return `hf:${repo}/${file}@${revision}`;
}

function isHubFile(value: object): value is HubFile {
  const v = value as Partial<HubFile>;
  return typeof v.hfRepo === 'string' && typeof v.file === 'string';
}

function isPathFile(value: object): value is PathFile {
  return typeof (value as Partial<PathFile>).path === 'string';
}
