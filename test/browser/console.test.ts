// The web console in a real browser (Debian's Chromium through playwright-core) against an
// embedded runtime of its own: filter failed instances, open one, read its timeline, search
// its logs, preview and run a rerun with downstream and see the lineage follow, put an event
// and watch the waiting instance start. Every page gets a screenshot (test-output/console)
// and an accessibility check (axe: no serious or critical violations).
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleBuilt } from '#local/console.ts';
import { PROJECT_ROOT, type Runtime, startRuntime } from '#local/runtime.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(PROJECT_ROOT, 'test-output', 'console');
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const WORKFLOW = 'console-demo';
// Yesterday: the instance list reads days back from today.
const DATA_TIME = new Date(Math.floor(Date.now() / 86_400_000 - 1) * 86_400_000).toISOString();

let runtime: Runtime;
let browser: Browser;
let page: Page;
let flag: string;

async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${runtime.apiUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as T;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** axe on the current page: serious and critical violations, by rule and element. */
async function accessibilityViolations(): Promise<string[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>;
        };
      }
    ).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function shot(name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

beforeAll(async () => {
  if (!consoleBuilt())
    throw new Error('the console is not built: run `npm run test:browser` (it builds first)');
  if (!existsSync(CHROMIUM))
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does)`);
  await mkdir(SHOTS, { recursive: true });
  runtime = await startRuntime({ port: 0, logLevel: 'ERROR', onError: () => {} });
  // `load` fails its first attempt and succeeds once rerun (the flag file exists by then).
  flag = join(tmpdir(), `rondo-console-${Date.now()}`);
  await rm(flag, { force: true });
  await api('PUT', `/v1/workflows/${WORKFLOW}`, {
    id: WORKFLOW,
    name: 'Console demo',
    folder: '/demo',
    schedule: { cycle: 'DAY', expression: 'cron(0 2 * * ? *)', status: 'PAUSED' },
    tasks: [
      {
        id: 'extract',
        type: 'shell',
        config: { command: 'for i in 1 2 3; do echo "row $i"; done; echo needle here' },
      },
      {
        id: 'load',
        type: 'shell',
        config: {
          command: `echo loading; echo needle once more; if [ -f ${flag} ]; then echo ok; else touch ${flag}; echo boom >&2; exit 2; fi`,
        },
        retry: { maxRetries: 0 },
      },
      { id: 'report', type: 'noop' },
      { id: 'signal', type: 'noop', event: { name: 'console.signal' } },
    ],
    edges: [
      { from: 'extract', to: 'load' },
      { from: 'load', to: 'report' },
    ],
  });
  await api('POST', `/v1/workflows/${WORKFLOW}/runs`, { dataTime: DATA_TIME });
  await until(async () => {
    const { items } = await api<{ items: { taskId: string; status: string }[] }>(
      'GET',
      `/v1/instances?workflowId=${WORKFLOW}`,
    );
    return items.find((i) => i.taskId === 'load' && i.status === 'FAILED');
  }, 'load to fail');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await rm(flag, { force: true });
});

describe('web console', () => {
  it('lists instances live, filters the failed ones, and passes an accessibility check', async () => {
    await page.goto(`${runtime.apiUrl}/`);
    await page.getByRole('heading', { name: 'Instances' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByLabel('FAILED').check();
    await page.getByRole('button', { name: 'Apply filters' }).click();
    // The list refreshes itself with the filter: only the failed instance stays.
    await expect
      .poll(
        () => page.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status'))),
        {
          timeout: 30_000,
        },
      )
      .toEqual(['FAILED']);
    await shot('instances-failed');
    expect(await accessibilityViolations()).toEqual([]);
  });

  it('opens the failed instance: its timeline, attempts, and a log search with a match count', async () => {
    await page.getByRole('link', { name: 'load', exact: true }).click();
    await page.getByRole('heading', { name: /load/ }).waitFor();
    // The heading may render before the instance's timeline: wait for the steps.
    const steps = () =>
      page
        .locator('.timeline .step')
        .evaluateAll((els) =>
          els.map(
            (el) =>
              `${el.querySelector('.step-name')?.textContent}:${el.className.replace('step step-', '')}`,
          ),
        );
    await expect
      .poll(steps, { timeout: 10_000 })
      .toEqual(['WAITING_UPSTREAM:done', 'WAITING_EXECUTION:future', 'RUNNING:done', 'FAILED:failed']);
    await expect.poll(() => page.locator('table.attempts tbody tr').count()).toBe(1);
    await page.getByRole('tab', { name: /stdout \(\d+\)/ }).waitFor();
    await page.getByLabel('Search logs', { exact: true }).fill('needle');
    await page.getByRole('button', { name: 'Find' }).click();
    await page.getByText('1 match(es)').waitFor();
    expect(await page.locator('.line-current').textContent()).toContain('needle once more');
    await page.getByRole('tab', { name: /stderr/ }).click();
    await page.getByText('boom').waitFor();
    await shot('instance-failed');
    expect(await accessibilityViolations()).toEqual([]);
  });

  it('previews a rerun with its downstream, runs it, and the lineage follows without a reload', async () => {
    await page.getByLabel('Rerun scope').selectOption('instance_and_downstream');
    await page.getByRole('button', { name: 'Preview rerun' }).click();
    const preview = page.getByRole('region', { name: 'Rerun preview' });
    await preview.waitFor();
    // The blocked downstream is not reset: it is released when `load` succeeds.
    expect(await preview.locator('p').textContent()).toMatch(/would reset 1 instance\(s\) and leave 1 alone/);
    expect(await preview.locator('li').allTextContents()).toEqual([expect.stringContaining('load')]);
    await shot('instance-rerun-preview');
    await preview.getByRole('button', { name: 'Confirm rerun' }).click();
    // The page refreshes itself: the instance and its downstream in the lineage end SUCCESS.
    await page.locator('h1 .status-success').waitFor({ timeout: 30_000 });
    // The lineage graph follows: the downstream, released by the rerun, ends SUCCESS.
    await page
      .locator('figure.graph g.node[data-status="SUCCESS"]', { hasText: 'report' })
      .waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Expand a layer' }).click();
    await page.getByText('2 layer(s) up and down').waitFor();
    await page.getByRole('tab', { name: 'List' }).click();
    await page.locator('.lineage li', { hasText: '.report' }).locator('.status-success').waitFor();
    await shot('instance-rerun-done');
  });

  it('shows events, and a waiting instance starts when its event is put', async () => {
    await page.goto(`${runtime.apiUrl}/#/events`);
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await api('POST', '/v1/events', {
      Source: 'console.test',
      DetailType: 'console.signal',
      Detail: { dataTime: DATA_TIME },
    });
    const row = page.locator('tbody tr', { hasText: 'console.signal' });
    await row.locator('.status-consumed').waitFor({ timeout: 30_000 });
    await row.getByRole('link', { name: /\.signal$/ }).waitFor();
    await shot('events');
    expect(await accessibilityViolations()).toEqual([]);
    await row.getByRole('link', { name: /\.signal$/ }).click();
    await page.locator('h1 .status-success').waitFor({ timeout: 30_000 });
  });

  it('lists workflows and shows one with its tasks and runs', async () => {
    await page.goto(`${runtime.apiUrl}/#/workflows`);
    await page.getByRole('link', { name: 'Console demo' }).waitFor();
    await shot('workflows');
    expect(await accessibilityViolations()).toEqual([]);
    await page.getByRole('link', { name: 'Console demo' }).click();
    await page.getByRole('heading', { name: 'Console demo' }).waitFor();
    expect(await page.locator('.dag li').count()).toBe(4);
    // The DAG, coloured by the latest run: extract, load and report succeeded.
    await expect
      .poll(() =>
        page
          .locator('figure.graph g.node')
          .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-status'))),
      )
      .toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS', 'SUCCESS']);
    await page.getByLabel('From').fill('2026-01-01T00:00');
    await page.getByLabel('To').fill('2026-01-02T00:00');
    await page.getByLabel('Parallelism').fill('2');
    await page.getByRole('button', { name: 'Start backfill' }).click();
    await page.getByText(/\/2 runs/).waitFor();
    await shot('workflow');
    expect(await accessibilityViolations()).toEqual([]);
  });
});
