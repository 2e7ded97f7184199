import { connect, createServer, type Socket } from 'node:net';
import { type Child, forkChild, isEntry, listenLoopback, serveParent } from './child.js';

/**
 * Bytes from a client that may be on their way to the registry at once (delayed or not yet
 * written), like a TCP window: beyond it the client is read no further until some has gone. At
 * 30 ms it still carries 8 MiB / 30 ms ≈ 270 MiB/s, above any upload the benchmark makes.
 */
const WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * Carries one client connection to `upstream`: every chunk from the client is written `delayMs`
 * after it arrived, in order (timers of one duration fire in the order they were set), the client
 * end too; what the registry sends goes back at once. Either side failing closes both.
 */
function delayLine(client: Socket, upstream: Socket, delayMs: number): void {
  let pending = 0;
  client.on('data', (chunk: Buffer) => {
    pending += chunk.length;
    if (pending > WINDOW_BYTES) client.pause();
    setTimeout(() => {
      upstream.write(chunk, () => {
        pending -= chunk.length;
        if (pending <= WINDOW_BYTES && client.isPaused()) client.resume();
      });
    }, delayMs);
  });
  client.on('end', () => setTimeout(() => upstream.end(), delayMs));
  upstream.pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on('error', close).on('close', close);
  upstream.on('error', close).on('close', close);
}

/**
 * Serves on a loopback port, forwarding TCP to `target` with `delayMs` added to each request (a
 * remote registry's round trip) and nothing to the answers, so every request and answer costs
 * `delayMs` more, whatever its size. Bytes pass unchanged: the Host header stays the proxy's (the
 * registry's upload Locations name the proxy) and each keep-alive client connection keeps its own
 * registry connection. Parsing nothing, it costs little CPU. Resolves the proxy's URL.
 */
export function startDelayProxy(target: string, delayMs: number): Promise<string> {
  const origin = new URL(target);
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (client) => {
    const upstream = connect({
      host: origin.hostname,
      port: Number(origin.port),
      allowHalfOpen: true,
      noDelay: true,
    });
    delayLine(client, upstream, delayMs);
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
