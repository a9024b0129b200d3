/**
 * What every headless-Chromium runner shares: the flags that give WebGPU on
 * SwiftShader without network chatter (see shared/recipes/WEBGPU-ON-CPU.md),
 * and a Vite dev server that serves the workspace's TypeScript and WGSL as is.
 */
import { join } from 'node:path';
import { createServer, type ViteDevServer } from 'vite';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--enable-unsafe-webgpu',
  '--enable-unsafe-swiftshader',
  '--use-webgpu-adapter=swiftshader',
];

/** A dev server on 127.0.0.1 (free port) for `root`, allowed to serve `repo`. */
export async function startTestVite(root: string, repo: string, cacheName: string): Promise<ViteDevServer> {
  const server = await createServer({
    configFile: false,
    root,
    cacheDir: join(repo, '.cache', cacheName),
    logLevel: 'warn',
    clearScreen: false,
    // Workspace packages are TypeScript sources served as they are: nothing to pre-bundle.
    optimizeDeps: { noDiscovery: true, include: [] },
    server: {
      host: '127.0.0.1',
      port: 0,
      strictPort: true,
      fs: { strict: true, allow: [repo] },
      // The tree may change while this runs: no watcher, no reload mid-run.
      watch: null,
      hmr: false,
    },
  });
  await server.listen();
  return server;
}
