import reducePlain from './reduce_plain.wgsl?raw';
import reduceSubgroup from './reduce_subgroup.wgsl?raw';

/** The reduction part (and entry point) for a device with or without subgroups. */
export function reductionPart(subgroups: boolean): string {
  return subgroups ? reduceSubgroup : reducePlain;
}
