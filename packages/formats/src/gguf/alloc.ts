/**
 * Every buffer the GGUF reader sizes from file contents is sized here, so one
 * place guarantees a hostile length never allocates more than the file holds
 * (and tests can watch every allocation).
 */
import { RuntimeError } from '@webseek/api';

type Observer = (bytes: number, fileSize: number) => void;
let observer: Observer | undefined;

/** Test hook: called with every allocation's byte count; pass undefined to stop. */
export function observeAllocations(fn: Observer | undefined): void {
  observer = fn;
}

/**
 * Records (and bounds) an allocation of `bytes` sized from a file of `fileSize`
 * bytes. The reader checks lengths against the bytes left before it gets here,
 * so failing this is a reader bug (INTERNAL), not a bad file.
 */
export function claim(bytes: number, fileSize: number): void {
  observer?.(bytes, fileSize);
  if (!(bytes >= 0 && bytes <= fileSize)) {
    throw new RuntimeError('INTERNAL', `GGUF reader tried to allocate ${bytes} bytes for a ${fileSize}-byte file`, {
      details: { bytes, fileSize },
    });
  }
}

export interface TypedArrayCtor<T> {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): T;
}

/** A zeroed typed array of `length` items, claimed against `fileSize`. */
export function allocTyped<T>(ctor: TypedArrayCtor<T>, length: number, fileSize: number): T {
  claim(length * ctor.BYTES_PER_ELEMENT, fileSize);
  return new ctor(length);
}
