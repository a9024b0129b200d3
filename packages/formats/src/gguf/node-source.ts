/**
 * A ByteSource over a local file, for Node only. Kept out of the package's
 * index so browser bundles never pull in node:fs; import it by path.
 */
import { open } from 'node:fs/promises';
import { RuntimeError } from '@webseek/api';
import { type ByteSource, checkRange } from './source.ts';

export interface FileByteSource extends ByteSource {
  close(): Promise<void>;
}

/** Opens `path` for reading; call `close()` when done. */
export async function nodeFileSource(path: string, name = path): Promise<FileByteSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    name,
    size,
    read: async (offset, length) => {
      checkRange(name, size, offset, length);
      const out = new Uint8Array(length);
      // FileHandle.read may return fewer bytes than asked; loop until full.
      for (let done = 0; done < length; ) {
        const { bytesRead } = await handle.read(out, done, length - done, offset + done);
        if (bytesRead === 0) {
          throw new RuntimeError(
            'MODEL_FORMAT',
            `${name}: file ended at byte ${offset + done} while reading ${length} bytes at ${offset}; was it truncated after opening?`,
            {
              details: { file: name, offset, length },
            },
          );
        }
        done += bytesRead;
      }
      return out;
    },
    close: () => handle.close(),
  };
}
