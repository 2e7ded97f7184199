import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { settleAll } from './exec.js';
import { buildFixtureLayout, seedFixtures } from './fixtures.js';
import { startRegistry } from './registry.js';
import { ensureTools } from './tools.js';
import type { HarnessInfo, RegistryFlavour } from './types.js';

/** The registries every integration run starts. */
const FLAVOURS: readonly RegistryFlavour[] = ['open', 'basic', 'token'];

/** Starts and seeds the three test registries, provides them as `harness`, and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const startedAt = performance.now();
  await ensureTools();
  const workDir = await mkdtemp(join(tmpdir(), 'regql-fixtures-'));
  // Settle everything before deciding, so that a failure leaves no registry unaccounted for.
  const [starts, [built]] = await Promise.all([
    Promise.allSettled(FLAVOURS.map((flavour) => startRegistry(flavour))),
    Promise.allSettled([buildFixtureLayout(workDir)]),
  ]);
  const running = starts.flatMap((start) => (start.status === 'fulfilled' ? [start.value] : []));
  const teardown = async () => {
    await Promise.allSettled(running.map((registry) => registry.stop()));
    await rm(workDir, { recursive: true, force: true });
  };
  try {
    for (const start of starts) if (start.status === 'rejected') throw start.reason;
    if (built.status === 'rejected') throw built.reason;
    const layout = built.value;
    const seeded = await settleAll(
      running.map(async ({ info }) => ({
        registry: info,
        fixtures: await seedFixtures(info, layout),
      })),
    );
    const harness = Object.fromEntries(seeded.map((entry) => [entry.registry.flavour, entry]));
    project.provide('harness', harness as HarnessInfo);
  } catch (error) {
    await teardown();
    throw error;
  }
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(`[regql harness] registries started and seeded in ${seconds} s`);
  return teardown;
}
