// GraphiQL in a real browser: headless Chromium (Debian's) opens the page a listening regql
// serves in front of the seeded open registry, runs the default query, and the rendered result
// shows the registry's content. The page must work offline: nothing is loaded from elsewhere.
import { mkdir } from 'node:fs/promises';
import { type Browser, chromium, type Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { ensureTools } from '../../src/demo/tools.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { seeded } from '../support/clients.js';

const { registry, fixtures } = seeded('open');
/** Where the screenshot goes (git-ignored; CI keeps it as an artifact). */
const SCREENSHOT = 'test-results/graphiql.png';
/** Chromium flags for a machine without a display, a GPU or a network beyond loopback. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The text of an element without any whitespace: Monaco wraps long lines and draws spaces as no-break spaces. */
const compact = async (locator: Locator) =>
  ((await locator.textContent()) ?? '').replace(/\s+/g, '');

let server: RunningServer;
let browser: Browser;
beforeAll(async () => {
  await ensureTools({ chromium: 'chromium' }, 'the browser test');
  server = await startServer(loadConfig({ REGISTRY_URL: registry.url, PORT: '0' }));
  // playwright gives every launch a new, empty --user-data-dir; a Chromium that does not come up
  // fails the launch well within the hook's timeout, saying so
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    timeout: 60_000,
  });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('GraphiQL', () => {
  it('runs the default query and shows the registry content, loading nothing from elsewhere', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    // requests to other hosts fail at once (as offline), and are listed
    const elsewhere: string[] = [];
    await page.route(
      (url) => url.origin !== server.url,
      (route) => {
        elsewhere.push(route.request().url());
        return route.abort();
      },
    );

    await page.goto(`${server.url}/graphql`);
    expect(elsewhere, 'GraphiQL must not load anything from other hosts').toEqual([]);
    const editor = page.locator('.graphiql-query-editor');
    await expect.poll(() => compact(editor), { timeout: 30_000 }).toContain('queryPortal{');

    const answer = page.waitForResponse(
      (response) => response.request().method() === 'POST' && response.url().endsWith('/graphql'),
    );
    await page.locator('.graphiql-execute-button').click();
    expect((await answer).status()).toBe(200);

    const result = page.locator('.graphiql-response');
    const { dockerImage } = fixtures;
    await expect.poll(() => compact(result), { timeout: 30_000 }).toContain(dockerImage.digest);
    const shown = await compact(result);
    expect(shown).toContain(`"url":"${registry.url}"`);
    expect(shown).toContain(`"name":"${dockerImage.repository}"`);
    expect(shown).not.toContain('"errors"');

    await mkdir('test-results', { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    expect(elsewhere).toEqual([]);
  });
});
