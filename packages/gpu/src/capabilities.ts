/** What the device can do, probed once; kernel variants are chosen from this plain object. */
export interface Capabilities {
  shaderF16: boolean;
  subgroups: boolean;
  timestampQuery: boolean;
  /** Smallest and largest subgroup sizes the adapter reports (0 when unknown). */
  subgroupMinSize: number;
  subgroupMaxSize: number;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxStorageBuffersPerShaderStage: number;
  maxComputeWorkgroupStorageSize: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxComputeWorkgroupSizeX: number;
  maxComputeWorkgroupsPerDimension: number;
  minStorageBufferOffsetAlignment: number;
}

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True when the adapter is a CPU implementation (SwiftShader, lavapipe). */
  isSoftware: boolean;
}

/** Limits we raise to the adapter's maximum so large weight matrices fit in one binding. */
export const RAISED_LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

const WANTED_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as const;

export function wantedFeatures(adapter: GPUAdapter, disabled: readonly string[] = []): GPUFeatureName[] {
  return WANTED_FEATURES.filter((f) => adapter.features.has(f) && !disabled.includes(f)) as GPUFeatureName[];
}

export function raisedLimits(adapter: GPUAdapter): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const name of RAISED_LIMITS) limits[name] = adapter.limits[name];
  return limits;
}

export function probeCapabilities(device: GPUDevice, adapter: GPUAdapter): Capabilities {
  const l = device.limits;
  const info = adapter.info as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  return {
    shaderF16: device.features.has('shader-f16'),
    subgroups: device.features.has('subgroups'),
    timestampQuery: device.features.has('timestamp-query'),
    subgroupMinSize: info.subgroupMinSize ?? 0,
    subgroupMaxSize: info.subgroupMaxSize ?? 0,
    maxBufferSize: l.maxBufferSize,
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
    minStorageBufferOffsetAlignment: l.minStorageBufferOffsetAlignment,
  };
}

export function describeAdapter(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info;
  const text = `${info.vendor} ${info.architecture} ${info.device} ${info.description}`.toLowerCase();
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isSoftware: /swiftshader|llvmpipe|lavapipe|software|cpu/.test(text),
  };
}
