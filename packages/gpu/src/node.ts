/**
 * WebGPU in Node through Dawn (the `webgpu` npm package). On a machine with no
 * hardware Vulkan driver it falls back to SwiftShader, the CPU Vulkan driver
 * that Debian's chromium package ships.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { RuntimeError } from '@webseek/api';
import { createContextOnAdapter, type GpuContext, type GpuContextOptions } from './context.ts';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeGpuOptions extends GpuContextOptions {
  /** Dawn toggles, e.g. ['enable-dawn-features=disable_robustness'] for benchmark runs. */
  dawnFlags?: string[];
}

// Dawn's instance must stay reachable for the life of the process: if it is
// garbage-collected while devices live, the process crashes.
const dawnInstances: unknown[] = [];

export async function createNodeGpuContext(options: NodeGpuOptions = {}): Promise<GpuContext> {
  quietXdgWarning();
  const webgpu = (await import('webgpu')) as unknown as {
    create(flags: string[]): GPU;
    globals: Record<string, unknown>;
  };
  Object.assign(globalThis, webgpu.globals);
  const label = options.label ?? 'webseek-node';
  // No GPU device node at all: go straight to SwiftShader instead of letting
  // the Vulkan loader try (and loudly reject) other CPU drivers first.
  if (!vulkanDriverChosen() && !existsSync('/dev/dri') && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  let adapter = await requestAdapter(webgpu, options);
  if (!adapter && !vulkanDriverChosen() && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    adapter = await requestAdapter(webgpu, options);
  }
  if (!adapter) throw new RuntimeError('GPU_UNAVAILABLE', noAdapterMessage());
  return createContextOnAdapter(adapter, label, options);
}

async function requestAdapter(
  webgpu: { create(flags: string[]): GPU },
  options: NodeGpuOptions,
): Promise<GPUAdapter | null> {
  const gpu = webgpu.create([...(options.dawnFlags ?? []), ...softwareDriverFlags()]);
  dawnInstances.push(gpu);
  return gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
}

/**
 * On SwiftShader, zeroing workgroup memory through the Vulkan extension makes
 * pipeline creation take seconds per kernel; Tint's own zeroing loop (still
 * spec-conformant) compiles in milliseconds.
 */
function softwareDriverFlags(): string[] {
  const chosen = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES ?? '';
  return chosen.includes('swiftshader')
    ? ['disable-dawn-features=use_vulkan_zero_initialize_workgroup_memory_extension']
    : [];
}

function vulkanDriverChosen(): boolean {
  return Boolean(process.env.VK_ICD_FILENAMES || process.env.VK_DRIVER_FILES);
}

function quietXdgWarning(): void {
  if (process.env.XDG_RUNTIME_DIR) return;
  const dir = `/tmp/webseek-xdg-${process.getuid?.() ?? 0}`;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

function noAdapterMessage(): string {
  const chosen = process.env.VK_ICD_FILENAMES ?? process.env.VK_DRIVER_FILES;
  if (chosen)
    return `no WebGPU adapter on the Vulkan driver ${chosen}; check that the file exists and the driver loads`;
  return (
    'no WebGPU adapter: no hardware Vulkan driver, and SwiftShader is missing. ' +
    `Install Debian's chromium package (it ships ${SWIFTSHADER_ICD}): apt-get install -y chromium libvulkan1`
  );
}
