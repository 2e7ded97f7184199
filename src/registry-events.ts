import { createHash, timingSafeEqual } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import {
  json,
  type Metrics,
  type RefusedEventsReason,
  type RegistryEventAction,
} from './observability.js';
import { MAX_REPOSITORY_LENGTH } from './registry/reference.js';

/** Where the registry posts its notifications (REGISTRY_EVENTS_TOKEN). */
export const REGISTRY_EVENTS_PATH = '/registry-events';

/** Media types of an events envelope: the registry's own, or plain JSON. */
const ENVELOPE_TYPES = ['application/vnd.docker.distribution.events.v1+json', 'application/json'];

/** The actions of registry 2.x's events. */
const ACTIONS: readonly string[] = ['push', 'pull', 'delete', 'mount'];

/** An event's action as counted: its own, or `other` for one the registry may add later. */
function actionOf(action: string): RegistryEventAction {
  return ACTIONS.includes(action) ? (action as RegistryEventAction) : 'other';
}

/**
 * What is read of an envelope: each event's action and its target's repository (the registry
 * sends more, which is left unread). A repository is checked only for length: a name the
 * registry sends is one it accepted, and a wrong one merely ends the freshness of nothing.
 */
const ENVELOPE = z.object({
  events: z.array(
    z.object({
      action: z.string().min(1).max(64),
      target: z.object({ repository: z.string().min(1).max(MAX_REPOSITORY_LENGTH) }),
    }),
  ),
});

/** What the events route needs from the gateway. */
export interface RegistryEventsOptions {
  /** The secret the registry sends as `Authorization: Bearer <token>`. */
  token: string;
  /** Largest envelope read, in bytes. */
  maxBytes: number;
  metrics: Metrics;
  /** Called once per accepted envelope with the repositories its push, delete and mount events name. */
  onChange(repositories: ReadonlySet<string>): void;
}

/**
 * `POST /registry-events`: the registry's notifications (webhooks). An envelope carrying the
 * configured Bearer token and of the right shape is accepted whole (204): every repository one
 * of its events names, pull events aside, goes to `onChange`. A wrong or missing token (401), a
 * method other than POST (405), another media type (415), a body over `maxBytes` (413) or one
 * that is not an envelope (400) changes nothing. Neither the token nor a body is ever logged.
 */
export function useRegistryEvents(options: RegistryEventsOptions): Plugin {
  const expected = sha256(`Bearer ${options.token}`);
  return {
    onRequest({ url, request, endResponse }) {
      if (url.pathname !== REGISTRY_EVENTS_PATH) return;
      return receive(options, expected, request).then(endResponse);
    },
  };
}

/** The answer to one POST of events, after acting on it. */
async function receive(
  options: RegistryEventsOptions,
  expected: Buffer,
  request: Request,
): Promise<Response> {
  const refuse = (
    status: number,
    reason: RefusedEventsReason,
    message: string,
    headers: Record<string, string> = {},
  ) => {
    options.metrics.observeRefusedEvents(reason);
    const response = json(status, { error: message });
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    return response;
  };
  if (request.method !== 'POST') {
    return refuse(405, 'method', 'registry events are POSTed', { allow: 'POST' });
  }
  // both sides hashed: the comparison takes as long whatever the caller sent
  const given = sha256(request.headers.get('authorization') ?? '');
  if (!timingSafeEqual(given, expected)) {
    return refuse(401, 'unauthorized', 'a valid Bearer token is required', {
      'www-authenticate': 'Bearer',
    });
  }
  const type = (request.headers.get('content-type') ?? '').split(';', 1)[0]?.trim().toLowerCase();
  if (!ENVELOPE_TYPES.includes(type ?? '')) {
    return refuse(415, 'media_type', `send events as ${ENVELOPE_TYPES[0]}`);
  }
  const body = await readAtMost(request, options.maxBytes);
  if (body === undefined) {
    return refuse(413, 'too_large', `the body exceeds ${options.maxBytes} bytes`);
  }
  let envelope: z.infer<typeof ENVELOPE>;
  try {
    envelope = ENVELOPE.parse(JSON.parse(body));
  } catch {
    return refuse(
      400,
      'malformed',
      'the body must be an events envelope: {"events":[{"action":…,"target":{"repository":…}}]}',
    );
  }
  const changed = new Set<string>();
  for (const { action, target } of envelope.events) {
    const counted = actionOf(action);
    options.metrics.observeRegistryEvent(counted);
    // a pull changes nothing; an action unknown today may change something
    if (counted !== 'pull') changed.add(target.repository);
  }
  if (changed.size > 0) options.onChange(changed);
  return new Response(null, { status: 204 });
}

/** The body as text, or undefined once it is longer than `maxBytes` (by its header, or as read). */
async function readAtMost(request: Request, maxBytes: number): Promise<string | undefined> {
  if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return undefined;
  if (!request.body) return '';
  const chunks: Uint8Array[] = [];
  let read = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    read += value.byteLength;
    if (read > maxBytes) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The SHA-256 of a text. */
function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
