// Never a stale green: the verdict says how old its proof is, turns `unproven` once that is older than
// PROOF_MAX_AGE, and `npm run status` exits 1 then (or past --max-age). The daily schedule keeps the proof
// fresh, and a restarted app whose proof is old checks at once. Time is the app's ManualClock: no waits.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/clock.js';
import { buildServices, type Services } from '../../server/services.js';
import { exitCodeFor, type Overall } from '../../server/status/service.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Report {
  overall: Overall;
  proof: {
    at: string | null;
    ageSeconds: number | null;
    maxAgeSeconds: number;
    fresh: boolean;
    text: string;
  };
  schedule: {
    intervalSeconds: number;
    every: string | null;
    nextAt: string | null;
    xsmallCredits: { perCheck: number; per30Days: number };
  };
  checks: { id: string; status: string; detail: string; fix: string | null }[];
}

async function report(h: Harness): Promise<Report> {
  const res = await h.agent.get('/status.json');
  expect(res.status).toBe(200);
  return res.body as Report;
}
const checks = (s: Services) => s.events.all().filter((e) => e.type === 'check').length;
async function warehouseStatements(h: Harness): Promise<number> {
  const r = await fetch(`${h.snowflakeUrl}/sandbox/stats`);
  return ((await r.json()) as { warehouseStatements: number }).warehouseStatements;
}

let appToken: string | undefined;
function status(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'scripts/status.ts', ...args],
      // The token the app asks for, as a monitor is given it.
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ADMIN_TOKEN: appToken }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('proof age: a connect, then hours and days without a check', () => {
  const clock = new ManualClock();
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ listen: true, logLevel: 'warn', clock });
    appToken = h.accessToken;
    expect((await h.connect()).status).toBe(303);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('right after the connect: connected, last proven just now; the pages state the schedule and its cost', async () => {
    const r = await report(h);
    expect(r.overall).toBe('connected');
    expect(r.proof).toMatchObject({
      fresh: true,
      ageSeconds: 0,
      maxAgeSeconds: 93_600,
      text: 'last proven just now',
    });
    // Sandbox mode: no schedule unless CHECK_INTERVAL is set.
    expect(r.schedule).toEqual({
      intervalSeconds: 0,
      every: null,
      nextAt: null,
      xsmallCredits: { perCheck: 0.017, per30Days: 0 },
    });
    const page = (await h.agent.get('/status')).text;
    expect(page).toContain('data-overall="connected"');
    expect(page).toMatch(/<span id="proof-age" data-fresh="true">, last proven just now<\/span>/);
    expect(page).toContain('<code>CHECK_INTERVAL=0</code>');
    expect(page).toContain('0.017 credits a check');
    expect(page).toContain('<code>PROOF_MAX_AGE</code> (26 h)');
    const home = (await h.agent.get('/')).text;
    expect(home).toContain(', last proven just now');
    expect(home).toContain('0.017 credits a check');
  });

  it('3 h on: still connected, last proven 3 h ago, and no page load used the warehouse for it', async () => {
    const before = { checks: checks(h.services), warehouse: await warehouseStatements(h) };
    await clock.advance(3 * HOUR);
    const r = await report(h);
    expect(r.overall).toBe('connected');
    expect(r.proof.text).toBe('last proven 3 h ago');
    expect((await h.agent.get('/status')).text).toContain(', last proven 3 h ago');
    expect((await h.agent.get('/')).text).toContain(', last proven 3 h ago');
    expect(checks(h.services)).toBe(before.checks);
    expect(await warehouseStatements(h)).toBe(before.warehouse);
  });

  it('past PROOF_MAX_AGE: unproven, saying how old; the end-to-end row warns; still no warehouse', async () => {
    const warehouse = await warehouseStatements(h);
    await clock.advance(24 * HOUR); // 27 h since the check
    const r = await report(h);
    expect(r.overall).toBe('unproven');
    expect(exitCodeFor(r.overall)).toBe(1);
    expect(h.services.status.overall()).toBe('unproven');
    expect(r.proof).toMatchObject({
      fresh: false,
      ageSeconds: 27 * 3600,
      text: 'last proven 27 h ago, more than the 26 h limit',
    });
    expect(r.checks.find((c) => c.id === 'end_to_end')).toMatchObject({
      status: 'warning',
      detail: expect.stringContaining('27 h ago, more than PROOF_MAX_AGE (26 h)'),
      fix: expect.stringContaining('Run the end-to-end check'),
    });
    const page = (await h.agent.get('/status')).text;
    expect(page).toContain('data-overall="unproven"');
    expect(page).toContain('too old to vouch for now');
    expect(page).toContain('data-fresh="false">, last proven 27 h ago, more than the 26 h limit');
    expect((await h.agent.get('/')).text).toContain('<span class="pill unproven">unproven</span>');
    expect(await warehouseStatements(h)).toBe(warehouse);
  });

  it('npm run status exits 1 past the app’s limit, 0 with a larger --max-age, 1 with a smaller one', async () => {
    const url = h.baseUrl!;
    const byDefault = await status(['--url', url]);
    expect(byDefault.code).toBe(1);
    expect(byDefault.stdout).toContain('overall: unproven, last proven 27 h ago, more than the 26 h limit');
    expect(byDefault.stdout).toContain("the limit is the app's PROOF_MAX_AGE, 26 h");

    const larger = await status(['--url', url, '--max-age', '2d']);
    expect(larger.stderr).toBe('');
    expect(larger.code).toBe(0);
    expect(larger.stdout).toContain('overall: connected, last proven 27 h ago');

    const smaller = await status(['--url', url, '--max-age=26h']);
    expect(smaller.code).toBe(1);
    expect(smaller.stdout).toContain('last proven 27 h ago, more than --max-age 26h');

    const json = await status(['--url', url, '--json', '--max-age', '30h']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({
      overall: 'connected',
      proof: { fresh: true, maxAgeSeconds: 108_000, ageSeconds: 27 * 3600 },
    });
  });

  it('a new end-to-end check proves it again; a --max-age below its age still exits 1', async () => {
    expect((await h.services.status.runCheck()).ok).toBe(true);
    expect((await report(h)).proof.text).toBe('last proven just now');
    expect((await report(h)).overall).toBe('connected');
    await clock.advance(2 * HOUR);
    const r = await status(['--url', h.baseUrl!, '--max-age', '90m']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('overall: unproven, last proven 2 h ago, more than --max-age 90m');
    expect((await status(['--url', h.baseUrl!])).code).toBe(0);
  });

  it('a malformed --max-age or an unknown option: named, with the usage, exit 2', async () => {
    const bad = await status(['--url', h.baseUrl!, '--max-age', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--max-age "soon" is not a duration');
    expect(bad.stderr).toContain('usage: npm run status');
    const unknown = await status(['--url', h.baseUrl!, '--maxage', '26h']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown option "--maxage"');
  });
});

describe('proof age: a daily schedule (the live default)', () => {
  const clock = new ManualClock();
  let h: Harness;
  let restarted: Services | undefined;
  beforeAll(async () => {
    h = await startHarness({
      logLevel: 'warn',
      clock,
      tweak: (c) => ({ ...c, checkIntervalSeconds: 86_400 }),
    });
  });
  afterAll(async () => {
    await restarted?.shutdown();
    await h?.close();
  });

  it('runs nothing before a connect, then a check a day after the last one, keeping the proof fresh', async () => {
    await clock.advance(2 * DAY);
    expect(checks(h.services)).toBe(0);
    expect((await h.connect()).status).toBe(303);
    expect(checks(h.services)).toBe(1);
    const r = await report(h);
    expect(r.schedule).toMatchObject({ intervalSeconds: 86_400, every: 'daily' });
    expect(Date.parse(r.schedule.nextAt!)).toBe(clock.now() + DAY);
    expect(r.schedule.xsmallCredits).toEqual({ perCheck: 0.017, per30Days: 0.5 });
    const page = (await h.agent.get('/status')).text;
    expect(page).toContain('<strong id="check-every">daily</strong>');
    expect(page).toContain('0.5 credits per 30 days');

    await clock.advance(DAY);
    expect(checks(h.services)).toBe(2);
    expect((await report(h)).proof.text).toBe('last proven just now');
    await clock.advance(DAY + 3 * HOUR);
    expect(checks(h.services)).toBe(3);
    expect(await report(h)).toMatchObject({ overall: 'connected', proof: { text: 'last proven 3 h ago' } });
  });

  it('a restarted app whose last check is older than the interval checks at once, not a day later', async () => {
    // The first app stops; a day later (its proof 27 h old) the same data directory starts again.
    await h.services.shutdown();
    await clock.advance(DAY);
    restarted = buildServices(h.config, h.services.log, { clock });
    expect(restarted.status.summary().proof.text).toBe('last proven 27 h ago, more than the 26 h limit');
    expect(restarted.status.overall()).toBe('unproven');
    const before = checks(restarted);
    await clock.advance(0); // the check that fell due at start runs, and advance() waits for it
    expect(checks(restarted)).toBe(before + 1);
    expect(restarted.status.overall()).toBe('connected');
    expect(restarted.status.summary().proof.text).toBe('last proven just now');
    expect(Date.parse(restarted.status.schedule().nextAt!)).toBe(clock.now() + DAY);
  });
});
