/**
 * What every headless-Chromium runner shares: the flags that give WebGPU on
 * SwiftShader without network chatter (see shared/recipes/WEBGPU-ON-CPU.md),
 * and a Vite dev server that serves the workspace's TypeScript and WGSL as is.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { createServer, type ViteDevServer } from 'vite';

/** Debian's chromium unless CHROMIUM_PATH says otherwise. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

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

/** Chromium's environment: an XDG runtime dir of our own when the machine has none (headless, root). */
export function chromiumEnv(): NodeJS.ProcessEnv {
  const xdg = join(tmpdir(), `webseek-xdg-${process.getuid?.() ?? 0}`);
  mkdirSync(xdg, { recursive: true, mode: 0o700 });
  return { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? xdg };
}

/** Headless Chromium whose storage (IndexedDB) lives in `profile` across launches. */
export function launchPersistent(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: chromiumEnv(),
  });
}

/** Headless Chromium with throwaway contexts. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, env: chromiumEnv() });
}

/** The port a started Vite dev server listens on. */
export function portOf(vite: ViteDevServer): number {
  const address = vite.httpServer?.address();
  if (!address || typeof address === 'string') throw new Error('the Vite server has no TCP address');
  return address.port;
}
