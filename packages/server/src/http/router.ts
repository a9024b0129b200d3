/**
 * Method + path → route, from a flat table. An unknown path is 404; a known
 * path with another method is 405 with the Allow header listing the right ones.
 * HEAD is answered as GET (node:http leaves the body out).
 */
import { HttpError } from './errors.ts';

export type Method = 'GET' | 'POST';

export interface Routed {
  method: Method;
  path: string;
}

/** The path of a request target, without its query string. */
export function pathOf(url: string | undefined): string {
  return (url ?? '/').split('?')[0]!;
}

export function findRoute<R extends Routed>(routes: readonly R[], method: string, path: string): R {
  const atPath = routes.filter((r) => r.path === path);
  if (atPath.length === 0) throw new HttpError(404, 'not_found', `no such endpoint: ${method} ${path}`);
  const want = method === 'HEAD' ? 'GET' : method;
  const route = atPath.find((r) => r.method === want);
  if (route) return route;
  const allow = allowedMethods(atPath).join(', ');
  throw new HttpError(405, 'method_not_allowed', `${path} does not take ${method}; use ${allow}`, {
    headers: { allow },
  });
}

/** Whether some route serves `path` (CORS preflights answer only for those). */
export function knownPath(routes: readonly Routed[], path: string): boolean {
  return routes.some((r) => r.path === path);
}

export function allowedMethods(routes: readonly Routed[]): string[] {
  const methods = new Set(routes.map((r) => r.method));
  if (methods.has('GET')) methods.add('HEAD' as Method);
  return [...methods];
}
