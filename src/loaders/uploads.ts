import { LRUCache } from 'lru-cache';
import type { UploadSession } from '../registry/uploads.js';

/** Most upload sessions remembered. */
const MAX_UPLOADS = 10_000;
/** How long an idle upload is remembered (registries purge stale uploads after days). */
const UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The newest location and offset of every upload this gateway advanced. Registry 2.8 continues
 * an upload only at its newest location, so a client that lost an answer (and so holds an older
 * id) can still resume: any id of an upload leads here to the newest location.
 */
export class UploadTracker {
  private readonly sessions = new LRUCache<string, { location: string; offset: number }>({
    max: MAX_UPLOADS,
    ttl: UPLOAD_TTL_MS,
  });

  /** How many uploads are open (started here, not yet completed or cancelled). */
  get size(): number {
    return this.sessions.size;
  }

  /** The newest known state of the upload at `location` (any of its locations), if any. */
  newest(repository: string, location: string): { location: string; offset: number } | undefined {
    return this.sessions.get(uploadKey(repository, location));
  }

  /** Records a session's state after a call advanced or read it. */
  record(session: UploadSession): void {
    this.sessions.set(uploadKey(session.repository, session.location.pathname), {
      location: session.location.pathname + session.location.search,
      offset: session.offset,
    });
  }

  /** Forgets an upload that was finished or cancelled. */
  forget(repository: string, location: string): void {
    this.sessions.delete(uploadKey(repository, location));
  }
}

/** An upload's identity: repository and the session id (the last path segment of its location). */
function uploadKey(repository: string, location: string): string {
  const path = location.split('?', 1)[0] ?? '';
  return `${repository}|${path.slice(path.lastIndexOf('/') + 1)}`;
}
