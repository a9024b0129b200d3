import type { KernelSource } from '../compose.ts';
import streamRead from './stream_read.wgsl?raw';

/** Bindings: 0 src (n16) vec4<u32>, 1 sink (workgroups * WG) u32. */
export function streamReadKernel(workgroupSize = 256): KernelSource {
  return { label: 'stream_read_vec4', code: streamRead, constants: { WG: workgroupSize } };
}
