// The status page in a real headless Chromium: what a person sees after a service goes down.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/logger.js';
import { startObserveServer, type ObserveServer } from '../../src/observe/http-server.js';
import { Metrics } from '../../src/observe/metrics.js';
import { StatusStore } from '../../src/observe/status-store.js';
import { requireTool } from '../support/healthcheck-process.js';
import { bringDown, bringUp, passingReport } from '../observe/events.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));
const available = existsSync(CHROMIUM);
const run = requireTool(available, `chromium (${CHROMIUM})`);

describe.runIf(run)('status page in Chromium', () => {
  let browser: Browser;
  let server: ObserveServer;
  const clock = { t: Date.UTC(2024, 4, 6, 12, 0, 0) };
  const store = new StatusStore({
    version: '0.1.0',
    now: () => clock.t,
    services: [
      {
        name: 'web',
        timing: { interval: 5, fastInterval: 1, rise: 3, fall: 3 },
        checks: [{ name: 'http', target: 'GET http://127.0.0.1:8080/healthz' }],
      },
      'dns-resolver',
    ],
  });
  const url = () => `http://127.0.0.1:${server.address.port}/`;

  beforeAll(async () => {
    server = await startObserveServer({
      listen: { host: '127.0.0.1', port: 0 },
      metrics: new Metrics({ processMetrics: false }),
      status: () => store.snapshot(),
      log: silentLogger,
      now: () => clock.t,
      refreshSeconds: 1,
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows the state, the reason and a DOWN segment in the timeline after a service goes down', async () => {
    clock.t += 20_000;
    bringUp(store, 'web');
    bringUp(store, 'dns-resolver');
    clock.t += 4 * 60_000;
    bringDown(store, 'web', 'HTTP 503 from /healthz');
    clock.t += 90_000;
    store.setMaintenance('dns-resolver', {
      by: 'alice',
      reason: 'resolver upgrade',
      since: clock.t - 30_000,
    });
    store.checked('dns-resolver', passingReport(0), true);

    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(url());

    const web = page.locator('article.service[data-service="web"]');
    expect(await web.locator('.badge').textContent()).toBe('DOWN');
    expect(await web.locator('.since').textContent()).toContain('DOWN for 1 min 30 s');
    expect(await web.locator('.last-check .reason').textContent()).toBe('HTTP 503 from /healthz');
    expect(await web.locator('li.check .check-reason').textContent()).toBe(
      'HTTP 503 from /healthz',
    );
    expect(await web.locator('pre.lines').textContent()).toBe(
      'announce route 192.0.2.1/32 next-hop self med 1000 community [ 65000:1 ]',
    );
    const dns = page.locator('article.service[data-service="dns-resolver"]');
    expect(await dns.locator('.maintenance').textContent()).toContain('by alice: resolver upgrade');
    expect(await dns.locator('.last-check.skipped').textContent()).toBe(
      'not checked (disable file)',
    );
    expect(await web.locator('li.check .check-target').textContent()).toBe(
      'GET http://127.0.0.1:8080/healthz',
    );

    const row = page.locator('svg.timeline g.row[data-service="web"]');
    expect(await row.locator('rect.segment[data-state="DOWN"]').count()).toBe(1);
    expect(await row.locator('rect.segment[data-state="UP"]').count()).toBe(1);
    // Attributes, not bounding boxes: the page swaps its content every second and a box can vanish mid-read.
    const geometry = async (state: string) => {
      const rect = row.locator(`rect.segment[data-state="${state}"]`);
      return {
        x: Number(await rect.getAttribute('x')),
        width: Number(await rect.getAttribute('width')),
      };
    };
    const up = await geometry('UP');
    const down = await geometry('DOWN');
    expect(down.x).toBeCloseTo(up.x + up.width, 0);
    expect(down.width).toBeGreaterThan(100);
    expect(await row.locator('rect.segment[data-state="DOWN"]').getAttribute('fill')).toBe(
      '#c62828',
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}status-page.png`, fullPage: true });
    expect(existsSync(`${ARTIFACTS}status-page.png`)).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('updates itself when the service comes back, with its script allowed by the page policy', async () => {
    const page = await browser.newPage();
    const violations: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') violations.push(message.text());
    });
    await page.goto(url());
    const badge = page.locator('article.service[data-service="web"] .badge');
    expect(await badge.textContent()).toBe('DOWN');

    store.checked('web', passingReport(), false);
    store.transitioned('web', 'DOWN', 'RISING', 'ok');
    await page
      .locator('article.service[data-service="web"] .badge', { hasText: /^RISING$/ })
      .waitFor({ timeout: 10_000 });
    expect(await badge.textContent()).toBe('RISING');
    expect(await page.locator('article.service[data-service="web"] .progress').textContent()).toBe(
      '1/3 checks toward UP',
    );
    expect(await page.locator('#stale').isHidden()).toBe(true);
    expect(violations).toEqual([]);
    await page.close();
  });

  it('shows a hostile service name as text instead of running it', async () => {
    const evil = '<img src=x onerror="document.title=\'owned\'">';
    store.addService(evil);
    const page = await browser.newPage();
    await page.goto(url());
    expect(await page.title()).toBe('bgp-healthcheck status');
    expect(await page.locator('article.service .name').last().textContent()).toBe(evil);
    expect(await page.locator('img').count()).toBe(0);
    await page.close();
    store.removeService(evil);
  });
});
