import type { Gateway } from '../../src/gateway.js';
import type {
  EventBroadcast,
  RefusedEventsReason,
  RegistryEventAction,
} from '../../src/observability.js';
import { REGISTRY_EVENTS_PATH } from '../../src/registry-events.js';

/** The token the tests' gateways and registries share. */
export const EVENTS_TOKEN = 'test-events-token-0123456789';

/** The value of a counter of `gateway` with `label` set to `value` (0 before its first count). */
async function counted(gateway: Gateway, name: string, label: string, value: string) {
  const metric = await gateway.metrics.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels[label] === value)?.value ?? 0;
}

/** Registry events `gateway` accepted with this action so far. */
export function eventsAccepted(gateway: Gateway, action: RegistryEventAction): Promise<number> {
  return counted(gateway, 'regql_registry_events_total', 'action', action);
}

/** What `gateway` counted of this kind on the Redis events channel so far. */
export function broadcasts(gateway: Gateway, kind: EventBroadcast): Promise<number> {
  return counted(gateway, 'regql_registry_event_broadcasts_total', 'kind', kind);
}

/** POSTs to the events route `gateway` refused for this reason so far. */
export function eventsRefused(gateway: Gateway, reason: RefusedEventsReason): Promise<number> {
  return counted(gateway, 'regql_registry_event_requests_refused_total', 'reason', reason);
}

/** An events envelope as registry 2.8 sends it: one event, `action` on `repository`. */
export function envelope(action: string, repository: string): string {
  return JSON.stringify({
    events: [
      {
        id: 'a0b1c2d3-0000-0000-0000-000000000000',
        timestamp: new Date().toISOString(),
        action,
        target: {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${'0'.repeat(64)}`,
          repository,
          tag: 'v1',
        },
        request: { method: 'PUT', useragent: 'test' },
        source: { addr: 'registry:5000' },
      },
    ],
  });
}

/** POSTs `body` to the events route of `gateway` (no port: Yoga's fetch), with `headers`. */
export function postEvents(
  gateway: Gateway,
  body: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  return Promise.resolve(
    gateway.yoga.fetch(`http://regql.test${REGISTRY_EVENTS_PATH}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/vnd.docker.distribution.events.v1+json',
        authorization: `Bearer ${EVENTS_TOKEN}`,
        ...headers,
      },
      body,
    }),
  );
}
