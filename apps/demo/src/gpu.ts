/**
 * What this browser's WebGPU offers, probed once on the page (the engine
 * opens its own device in the worker), and a plain reason when there is none.
 */

export interface GpuFound {
  ok: true;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

export interface GpuMissing {
  ok: false;
  /** One paragraph for people: what is missing and what to do about it. */
  reason: string;
}

export type GpuReport = GpuFound | GpuMissing;

export async function probeWebGpu(): Promise<GpuReport> {
  if (!navigator.gpu) return { ok: false, reason: missingReason() };
  let adapter: GPUAdapter | null;
  try {
    adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { ok: false, reason: `WebGPU refused to give an adapter: ${(error as Error).message}` };
  }
  if (!adapter) {
    return {
      ok: false,
      reason:
        'This browser has WebGPU but offers no GPU adapter: the GPU or its driver is blocklisted, or hardware ' +
        'acceleration is turned off in the browser settings. Turn it on, update the driver, or try another browser.',
    };
  }
  const { info, limits } = adapter;
  return {
    ok: true,
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    features: [...adapter.features].sort(),
    maxBufferSize: limits.maxBufferSize,
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
  };
}

function missingReason(): string {
  if (!window.isSecureContext) {
    return (
      'WebGPU is only offered to secure pages, and this one is not: serve it over https:// ' +
      '(http://localhost also counts as secure).'
    );
  }
  return (
    'This browser has no WebGPU, which webseek needs to run the model on your GPU. Use a current Chrome or Edge ' +
    '(113 or later; on Linux, start it with --enable-unsafe-webgpu), or a Firefox or Safari version with WebGPU on.'
  );
}
