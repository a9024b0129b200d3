/**
 * Model sources → bytes. In-memory bytes and ready ByteSources are used as
 * they are; anything else (URL, Hugging Face file, Blob, path) goes to the
 * opener, by default the loader's uncached `openSource`; pass a WeightCache's
 * `download` to fetch once and keep the weights.
 */
import { RuntimeError } from '@webseek/api';
import { type ByteSource, bytesSource } from '@webseek/formats';
import { type ModelSource, openSource } from '@webseek/loader';

/** What `Engine.reload` accepts. */
export type EngineSource = ModelSource | ByteSource | Uint8Array | ArrayBuffer;

export interface FetchProgress {
  phase: 'download' | 'verify';
  bytesDone: number;
  bytesTotal: number;
}

export interface OpenOptions {
  onProgress?: (p: FetchProgress) => void;
  signal?: AbortSignal;
  /** Expected whole-file SHA-256 (hex) and size, checked by openers that download. */
  sha256?: string;
  bytes?: number;
}

/** Fetches (or reads from a cache) the GGUF a source names. */
export type SourceOpener = (source: ModelSource, options: OpenOptions) => Promise<ByteSource>;

export const openUncached: SourceOpener = (source, o) => openSource(source, o.signal ? { signal: o.signal } : {});

export async function openEngineSource(
  source: EngineSource,
  opener: SourceOpener,
  o: OpenOptions,
): Promise<ByteSource> {
  if (source instanceof Uint8Array) return bytesSource(source, 'model.gguf');
  if (source instanceof ArrayBuffer) return bytesSource(new Uint8Array(source), 'model.gguf');
  if (isByteSource(source)) return source;
  if (o.signal?.aborted) throw new RuntimeError('ABORTED', 'model load was aborted');
  return opener(source, o);
}

export function isByteSource(value: unknown): value is ByteSource {
  const v = value as Partial<ByteSource> | null;
  return typeof v === 'object' && v !== null && typeof v.read === 'function' && typeof v.size === 'number';
}

/** Closes a source that holds a file handle (node:fs); others have nothing to close. */
export async function closeSource(source: ByteSource): Promise<void> {
  await (source as { close?: () => Promise<void> | void }).close?.();
}
