/**
 * The weight cache as a table: every model in IndexedDB with its size (and
 * how much of it an interrupted download holds), a delete button each, what
 * the origin uses of its quota, and whether the browser may evict it.
 */
import { type CachedModel, del, list } from '@webseek/loader';
import { html, nothing, render } from 'lit';
import { formatBytes } from './format.ts';

interface StorageState {
  usage: number | undefined;
  quota: number | undefined;
  /** undefined: the browser has no persistence API. */
  persisted: boolean | undefined;
}

/** Re-reads the cache and storage state into `root`; deleting or persisting re-renders. */
export async function refreshCache(root: HTMLElement): Promise<void> {
  const [models, storage] = await Promise.all([list(), storageState()]);
  models.sort((a, b) => b.createdAt - a.createdAt);
  const again = () => void refreshCache(root);
  render(
    html`${models.length === 0 ? html`<p class="empty">No models cached yet.</p>` : modelTable(models, again)}
      ${storageLine(storage, again)}`,
    root,
  );
}

function modelTable(models: CachedModel[], again: () => void) {
  return html`<table>
    <thead>
      <tr><th>Model</th><th>Size</th><th>State</th><th>Cached</th><th></th></tr>
    </thead>
    <tbody>
      ${models.map(
        (m) => html`<tr data-id=${m.id} data-bytes=${m.bytes} data-stored=${m.storedBytes}>
          <td class="id" title=${m.url}>${m.id}</td>
          <td class="size">${formatBytes(m.bytes)}</td>
          <td class="state">${m.complete ? 'complete' : `partial: ${formatBytes(m.storedBytes)}`}</td>
          <td>${new Date(m.createdAt).toLocaleString()}</td>
          <td><button type="button" class="delete" @click=${() => void del(m.id).then(again)}>Delete</button></td>
        </tr>`,
      )}
    </tbody>
  </table>`;
}

function storageLine(s: StorageState, again: () => void) {
  const used =
    s.usage === undefined
      ? 'Storage use is unknown here.'
      : `This site uses ${formatBytes(s.usage)} of ${s.quota === undefined ? '?' : formatBytes(s.quota)}.`;
  const persist = async () => {
    await navigator.storage.persist();
    again();
  };
  return html`<p class="storage" data-usage=${s.usage ?? ''} data-quota=${s.quota ?? ''}
      data-persisted=${String(s.persisted)}>
    ${used}
    ${
      s.persisted === undefined
        ? nothing
        : s.persisted
          ? html`Storage is <strong>persistent</strong>: the browser keeps it under storage pressure.`
          : html`Storage is <strong>best-effort</strong>: the browser may evict it under storage pressure.
              <button type="button" class="persist" @click=${persist}>Keep it</button>`
    }
  </p>`;
}

async function storageState(): Promise<StorageState> {
  const storage = navigator.storage;
  const estimate = storage?.estimate ? await storage.estimate() : {};
  return {
    usage: estimate.usage,
    quota: estimate.quota,
    persisted: storage?.persisted ? await storage.persisted() : undefined,
  };
}
