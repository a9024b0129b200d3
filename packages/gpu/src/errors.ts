import { RuntimeError } from '@webseek/api';

/**
 * Runs `work` inside validation / out-of-memory / internal error scopes and turns
 * whatever the device reports into a typed RuntimeError naming `label`.
 * Scopes are popped in reverse order of pushing.
 */
export async function withErrorScopes<T>(device: GPUDevice, label: string, work: () => T): Promise<T> {
  device.pushErrorScope('internal');
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let thrown: unknown;
  try {
    result = work();
  } catch (error) {
    thrown = error;
  }
  const validation = await device.popErrorScope();
  const oom = await device.popErrorScope();
  const internal = await device.popErrorScope();
  if (thrown !== undefined) throw thrown;
  const first = validation ?? oom ?? internal;
  if (first) throw gpuErrorToRuntimeError(first, label);
  return result as T;
}

export function gpuErrorToRuntimeError(error: GPUError, label: string): RuntimeError {
  const kind = error.constructor?.name ?? '';
  if (kind === 'GPUOutOfMemoryError' || /out of memory|OUT_OF_DEVICE_MEMORY/i.test(error.message)) {
    return new RuntimeError('GPU_OOM', `GPU out of memory in '${label}': ${error.message}`, {
      details: { label },
    });
  }
  if (kind === 'GPUInternalError') {
    return new RuntimeError('GPU_INTERNAL', `GPU internal error in '${label}': ${error.message}`, {
      details: { label },
    });
  }
  return new RuntimeError('GPU_VALIDATION', `GPU validation error in '${label}': ${error.message}`, {
    details: { label },
  });
}

export function deviceLostToRuntimeError(info: GPUDeviceLostInfo, label: string): RuntimeError {
  return new RuntimeError('DEVICE_LOST', `GPU device '${label}' was lost (${info.reason}): ${info.message}`, {
    details: { label, reason: info.reason },
  });
}
