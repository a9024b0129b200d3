/**
 * The element's words and numbers, pure: the `model` attribute → a model
 * source, and load progress / answer speed → one line for people.
 */
import { type CompletionUsage, type LoadProgress, RuntimeError } from '@webseek/api';
import type { WorkerModelSource } from '@webseek/worker';

const HF = /^hf:([^/@\s]+\/[^/@\s]+)(?:@([^/\s]+))?\/(\S+)$/;

/**
 * `model` as the engine's source: a URL (absolute, or relative to the page),
 * or `hf:owner/repo/path/file.gguf` (`hf:owner/repo@revision/file.gguf`) for
 * a file on the Hugging Face hub.
 */
export function modelSource(model: string, base: string): WorkerModelSource {
  const spec = model.trim();
  if (spec.startsWith('hf:')) {
    const m = HF.exec(spec);
    if (!m) {
      throw new RuntimeError(
        'INVALID_ARGUMENT',
        `<webseek-chat model="${spec}">: expected hf:owner/repo/file.gguf or hf:owner/repo@revision/file.gguf`,
        { details: { attribute: 'model', value: spec } },
      );
    }
    return { hfRepo: m[1]!, file: m[3]!, ...(m[2] ? { revision: m[2] } : {}) };
  }
  try {
    return new URL(spec, base).href;
  } catch (cause) {
    throw new RuntimeError('INVALID_ARGUMENT', `<webseek-chat model="${spec}">: not a URL or hf: path`, {
      cause,
      details: { attribute: 'model', value: spec },
    });
  }
}

const PHASES: Record<LoadProgress['phase'], string> = {
  download: 'Downloading',
  verify: 'Verifying',
  upload: 'Uploading to the GPU',
  ready: 'Ready',
};

/** 'Downloading 42% · 12.3 / 29.1 MB · 5.2 MB/s · 3 s left' */
export function progressLine(p: LoadProgress): string {
  const parts = [`${PHASES[p.phase] ?? p.phase} ${Math.round(p.fraction * 100)}%`];
  if (p.phase === 'ready') return parts[0]!;
  if (p.bytesTotal > 0) parts.push(`${megabytes(p.bytesDone)} / ${megabytes(p.bytesTotal)} MB`);
  else if (p.bytesDone > 0) parts.push(`${megabytes(p.bytesDone)} MB`);
  if (p.bytesPerSecond > 0) parts.push(`${megabytes(p.bytesPerSecond)} MB/s`);
  if (p.etaSeconds !== null && Number.isFinite(p.etaSeconds)) parts.push(`${duration(p.etaSeconds)} left`);
  return parts.join(' · ');
}

/** '12 tokens · 3.4 tok/s' (the speed only when the engine measured it). */
export function speedLine(usage: CompletionUsage | undefined): string {
  if (!usage) return '';
  const tokens = `${usage.completion_tokens} token${usage.completion_tokens === 1 ? '' : 's'}`;
  const rate = usage.extra?.decode_tokens_per_s;
  return rate !== undefined && Number.isFinite(rate) && rate > 0 ? `${tokens} · ${rate.toFixed(1)} tok/s` : tokens;
}

function megabytes(bytes: number): string {
  const mb = bytes / 1e6;
  return mb >= 100 ? mb.toFixed(0) : mb >= 10 ? mb.toFixed(1) : mb.toFixed(2);
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
