import { mkdir, writeFile } from 'node:fs/promises';

/** One line of the printed table. */
export interface Row {
  /** The scenario number and what was measured. */
  scenario: string;
  /** `loopback`, or the delay the proxy added. */
  mode: string;
  /** The median wall time, throughput or size. */
  value: string;
  /** Requests the registry saw (median over the timed runs), or empty where none apply. */
  upstream: string;
  /** The figure compared with its baseline. */
  ratio: string;
  /** The target for that ratio, where it sets one for this mode. */
  target: string;
  /** Whether the target is met (undefined without a target). */
  met?: boolean;
}

/** A row of `mode`; the checks of a scenario leave `value` and `upstream` empty. */
export function row(
  mode: { name: string },
  scenario: string,
  value: string,
  upstream: string | number,
  ratio: string,
  target = '',
  met?: boolean,
): Row {
  return { scenario, mode: mode.name, value, upstream: String(upstream), ratio, target, met };
}

/** `1.23×`. */
export function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** Milliseconds with sensible precision: `8.4 ms`, `1234 ms`. */
export function millis(ms: number): string {
  return `${ms < 100 ? ms.toFixed(1) : Math.round(ms)} ms`;
}

/** The rows as an aligned plain-text table. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['scenario', 'mode', 'median', 'upstream', 'ratio', 'target', 'met'];
  const cells = rows.map((row) => [
    row.scenario,
    row.mode,
    row.value,
    row.upstream,
    row.ratio,
    row.target,
    row.met === undefined ? '' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((title, i) =>
    Math.max(title.length, ...cells.map((line) => line[i]!.length)),
  );
  const format = (line: string[]) =>
    line
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd();
  return [format(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...cells.map(format)].join(
    '\n',
  );
}

/** Biome's line width: JSON written here is already formatted as `biome check` wants it. */
const LINE_WIDTH = 100;

/**
 * JSON with two-space indents, fractions rounded to one decimal, and arrays of plain values on
 * one line when that line fits (as Biome formats JSON).
 */
export function formatJson(value: unknown): string {
  const rounded = (_key: string, v: unknown) =>
    typeof v === 'number' && !Number.isInteger(v) ? Math.round(v * 10) / 10 : v;
  const text = JSON.stringify(value, rounded, 2);
  return text.replace(/\[\n[^[\]{}]*?\n\s*\]/g, (array, offset: number) => {
    const inline = `[${(JSON.parse(array) as unknown[]).map((v) => JSON.stringify(v)).join(', ')}]`;
    const indent = offset - (text.lastIndexOf('\n', offset) + 1);
    const comma = text[offset + array.length] === ',' ? 1 : 0;
    return indent + inline.length + comma <= LINE_WIDTH ? inline : array;
  });
}

/** Writes `results` to bench/results/<ISO time>.json and bench/results/latest.json; resolves the first path. */
export async function writeResults(
  results: { startedAt: string } & Record<string, unknown>,
): Promise<string> {
  const folder = new URL('./results/', import.meta.url);
  await mkdir(folder, { recursive: true });
  const text = `${formatJson(results)}\n`;
  const stamped = new URL(`${results.startedAt.replaceAll(':', '-')}.json`, folder);
  await writeFile(stamped, text);
  await writeFile(new URL('latest.json', folder), text);
  return stamped.pathname;
}
