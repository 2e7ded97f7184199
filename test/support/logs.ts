import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

/** A pino logger at `info` whose JSON lines land in `lines`, parsed. */
export function capturedLogger(lines: Record<string, unknown>[]): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return pino({ level: 'info' }, sink);
}
