import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does with one request: pass it on (maybe rewritten), or answer it itself. */
export type ProxyAction =
  | {
      kind: 'forward';
      path?: string;
      delayMs?: number;
      /** Forwards only once this has settled (a test's step that must come first). */
      after?: Promise<unknown>;
      transformBody?: (body: Buffer) => Buffer;
    }
  | { kind: 'respond'; status: number; headers?: Record<string, string>; body?: string | Buffer }
  /** Closes the connection without an answer. */
  | { kind: 'drop' }
  /** Never answers. */
  | { kind: 'stall' }
  /** Forwards the headers, sends half the body, then closes the connection. */
  | { kind: 'truncate' }
  /** Forwards the headers, then the body one byte per `intervalMs`. */
  | { kind: 'drip'; intervalMs: number };

/** One request the proxy saw. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

/** A running proxy in front of a real registry. */
export interface FaultProxy {
  /** `http://127.0.0.1:PORT`. */
  url: string;
  /** Every request, in arrival order. */
  seen: SeenRequest[];
  /** Most requests that were open at the same time. */
  peakInFlight(): number;
  close(): Promise<void>;
}

/** Listens on a free loopback port and resolves the server's URL. */
export async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Closes a server, ending idle keep-alive connections. */
export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * An HTTP proxy to `target` (a real registry) that lets a test decide per request: forward
 * unchanged, forward with another path or a rewritten body, or answer itself. For faults a real
 * registry cannot be made to show (redirects to other origins, corrupted bodies).
 */
export async function startProxy(
  target: string,
  decide: (req: SeenRequest) => ProxyAction = () => ({ kind: 'forward' }),
): Promise<FaultProxy> {
  const seen: SeenRequest[] = [];
  let inFlight = 0;
  let peak = 0;
  const server = createServer((req, res) => {
    const info = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers };
    seen.push(info);
    inFlight++;
    peak = Math.max(peak, inFlight);
    res.on('close', () => inFlight--);
    const action = decide(info);
    switch (action.kind) {
      case 'respond':
        res.writeHead(action.status, action.headers);
        res.end(action.body);
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'stall':
        return;
      case 'truncate':
        return forward(target, req, res, info.path, undefined, (body) => {
          res.write(body.subarray(0, Math.floor(body.length / 2)));
          req.socket.destroy();
        });
      case 'drip':
        return forward(target, req, res, info.path, undefined, (body) => {
          let sent = 0;
          const timer = setInterval(() => {
            if (sent >= body.length || res.destroyed) {
              clearInterval(timer);
              if (!res.destroyed) res.end();
              return;
            }
            res.write(body.subarray(sent, sent + 1));
            sent++;
          }, action.intervalMs);
        });
      case 'forward': {
        const go = () => forward(target, req, res, action.path ?? info.path, action.transformBody);
        if (action.after) action.after.then(go, go);
        else if (action.delayMs) setTimeout(go, action.delayMs);
        else go();
      }
    }
  });
  const url = await listen(server);
  return { url, seen, peakInFlight: () => peak, close: () => closeServer(server) };
}

/**
 * Forwards a request to the target. With `transformBody` the answer's body is rewritten (and its
 * Content-Length fixed); with `sendBody` the headers go out as they came and `sendBody` sends
 * the original body its own way.
 */
function forward(
  target: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  transformBody: ((body: Buffer) => Buffer) | undefined,
  sendBody?: (body: Buffer) => void,
): void {
  // the Host header stays the proxy's, as behind a reverse proxy: the registry's Location
  // headers then name the proxy
  const upstream = new URL(path, target);
  const out = request(upstream, { method: req.method, headers: req.headers }, (answer) => {
    if (!transformBody && !sendBody) {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      return;
    }
    const chunks: Buffer[] = [];
    answer.on('data', (chunk: Buffer) => chunks.push(chunk));
    answer.on('end', () => {
      const original = Buffer.concat(chunks);
      if (sendBody) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        sendBody(original);
        return;
      }
      const body = transformBody?.(original) ?? original;
      res.writeHead(answer.statusCode ?? 502, {
        ...answer.headers,
        'content-length': String(body.length),
      });
      res.end(body);
    });
  });
  out.on('error', () => res.destroy());
  req.pipe(out);
}
