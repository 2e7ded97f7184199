import { Agent, createServer, request } from 'node:http';
import { type Child, forkChild, isEntry, listenLoopback, serveParent } from './child.js';

/** Milliseconds an idle client connection stays open (longer than any pause between scenarios). */
const KEEP_ALIVE_MS = 120_000;

/**
 * Serves on a loopback port: each request waits `delayMs` (a remote registry's round trip), then
 * goes to `target` over keep-alive connections, bodies streamed both ways. The Host header stays
 * the proxy's, so the registry's upload Locations name the proxy. Resolves the proxy's URL.
 */
export function startDelayProxy(target: string, delayMs: number): Promise<string> {
  const origin = new URL(target);
  const agent = new Agent({ keepAlive: true });
  const server = createServer({ keepAliveTimeout: KEEP_ALIVE_MS }, (req, res) => {
    setTimeout(() => {
      const upstream = request(
        {
          host: origin.hostname,
          port: origin.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    }, delayMs);
  });
  return listenLoopback(server);
}

/** A delay proxy in a process of its own (so its work never competes with the gateway's event loop). */
export interface DelayProxy {
  url: string;
  child: Child<never, never>;
}

/** Forks this module as a delay proxy to `target`. */
export async function forkDelayProxy(target: string, delayMs: number): Promise<DelayProxy> {
  const { ready, child } = await forkChild<{ url: string }>(new URL(import.meta.url), [
    target,
    String(delayMs),
  ]);
  return { url: ready.url, child };
}

if (isEntry(import.meta.url)) {
  const [target = '', delayMs = '0'] = process.argv.slice(2);
  serveParent({ url: await startDelayProxy(target, Number(delayMs)) });
}
