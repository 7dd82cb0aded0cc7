// /setup's Accounts section: the registered accounts, the "Add an account" form (CSRF-checked, refusals
// from the error catalog), and each account's add-account SQL, the same text `npm run sql -- add-account`
// prints; the setup script then lists every account's secret.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderAccountSql } from '../../server/setup/account-sql.js';
import { templateValues } from '../../server/setup/inputs.js';
import { setupInputs } from '../../server/status/setup-scripts.js';
import { type Harness, startHarness } from '../support/app-harness.js';

const text = (html: string) =>
  html
    .replace(/&#39;/g, "'")
    .replace(/&#34;/g, '"')
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

function shown(html: string, id: string): string {
  const m = new RegExp(`<code id="sql-${id}">([\\s\\S]*?)</code>`).exec(html);
  expect(m, id).not.toBeNull();
  return text(m![1]!.replace(/<[^>]+>/g, ''));
}

describe('/setup: accounts', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logLevel: 'warn' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const add = async (fields: Record<string, string>) =>
    h.agent
      .post('/setup/accounts')
      .type('form')
      .send({ _csrf: await h.csrf(), ...fields });

  it('lists the default account and offers the form', async () => {
    const res = await h.agent.get('/setup');
    expect(res.status).toBe(200);
    expect(res.text).toContain('id="add-account-form"');
    expect(res.text).toContain('id="account-default"');
    expect(res.text).toContain('<code>FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN</code>');
    expect(res.text).not.toContain('script-account-');
  });

  it('adds an account and shows its SQL, the same as npm run sql prints', async () => {
    const refused = await h.agent.post('/setup/accounts').type('form').send({ label: 'alice' });
    expect(refused.status).toBe(403);
    const res = await add({ label: 'alice', person: 'Alice' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/setup#script-account-alice');
    const file = path.join(h.services.config.dataDir, 'accounts.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).accounts).toEqual([
      { label: 'alice', person: 'Alice', addedAt: expect.any(String) },
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const page = await h.agent.get('/setup');
    expect(page.text).toContain('<strong>alice</strong> · Alice');
    expect(page.text).toContain('<code>FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE</code>');
    expect(page.text).toContain('data-copy="sql-account-alice"');
    const values = templateValues(setupInputs(h.config), 'setup-google-health');
    const expected = renderAccountSql(
      { provider: 'google-health', values, labels: ['default', 'alice'] },
      'alice',
      'Alice',
    );
    expect(shown(page.text, 'account-alice')).toBe(expected);
    // No client secret in it, masked or not: it needs no reveal before copying.
    expect(expected).not.toContain('FSC_MASKED');
    expect(page.text).not.toContain(h.config.oauth.clientSecret!);
    // The setup script keeps her secret in the integration's list on a re-run.
    expect(shown(page.text, 'setup-google-health')).toContain(
      'ALLOWED_AUTHENTICATION_SECRETS = (FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN, FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE)',
    );
    expect(shown(page.text, 'teardown')).toContain(
      'DROP SECRET IF EXISTS FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN_ALICE',
    );
  });

  it('refuses a bad label, a taken one and an unusable name, with the catalog’s texts', async () => {
    const bad = await add({ label: 'Alice Smith' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('That label cannot name an account');
    const reserved = await add({ label: 'default' });
    expect(reserved.status).toBe(400);
    expect(reserved.text).toContain('built-in account');
    const taken = await add({ label: 'alice' });
    expect(taken.status).toBe(409);
    expect(taken.text).toContain('That account already exists');
    const name = await add({ label: 'bob', person: 'x'.repeat(81) });
    expect(name.status).toBe(400);
    expect(name.text).toContain('That name cannot be shown');
    const list = JSON.parse(readFileSync(path.join(h.services.config.dataDir, 'accounts.json'), 'utf8'));
    expect(list.accounts.map((a: { label: string }) => a.label)).toEqual(['alice']);
  });
});
