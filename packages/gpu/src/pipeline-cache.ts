import { RuntimeError } from '@webseek/api';
import type { KernelSource } from '@webseek/kernels';

/**
 * Compute pipelines cached by their kernel source's key (label + specialization
 * constants). The label names the variant, e.g. `matvec_q4_k_f32_sg`, and labels
 * the shader module and pipeline too, so GPU errors name the variant.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();
  private readonly modules = new Map<string, GPUShaderModule>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  get(source: KernelSource): Promise<GPUComputePipeline> {
    const key = cacheKey(source);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      pipeline = this.create(source);
      // A failed compile must not poison the cache for a later retry.
      pipeline.catch(() => this.pipelines.delete(key));
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  private async module(source: KernelSource): Promise<GPUShaderModule> {
    const cached = this.modules.get(source.code);
    if (cached) return cached;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: source.label, code: source.code });
    const error = await this.device.popErrorScope();
    if (error) throw await compileError(source, module, error.message);
    this.modules.set(source.code, module);
    return module;
  }

  private async create(source: KernelSource): Promise<GPUComputePipeline> {
    const module = await this.module(source);
    try {
      return await this.device.createComputePipelineAsync({
        label: cacheKey(source),
        layout: 'auto',
        compute: { module, entryPoint: source.entryPoint ?? 'main', constants: source.constants ?? {} },
      });
    } catch (error) {
      throw await compileError(source, module, (error as Error).message, error);
    }
  }
}

async function compileError(source: KernelSource, module: GPUShaderModule, fallback: string, cause?: unknown) {
  const info = await module.getCompilationInfo();
  const messages = info.messages
    .filter((m) => m.type === 'error')
    .map((m) => `${m.lineNum}:${m.linePos} ${m.message}`)
    .join('; ');
  return new RuntimeError('GPU_VALIDATION', `kernel '${source.label}' failed to compile: ${messages || fallback}`, {
    cause,
    details: { label: source.label },
  });
}

export function cacheKey(source: KernelSource): string {
  const constants = Object.entries(source.constants ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return constants ? `${source.label}{${constants}}` : source.label;
}
