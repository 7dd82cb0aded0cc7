import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnowflakeConnectionConfig } from '../../server/config/index.js';
import { classifyCheckMessage } from '../../server/snowflake/check-function.js';
import { driverOptions } from '../../server/snowflake/session.js';

describe('classifyCheckMessage', () => {
  it.each([
    ['FITBIT_CONNECT_ERROR[token_revoked]: the refresh token was revoked', 'token_revoked'],
    ['FITBIT_CONNECT_ERROR[token_expired]: expired', 'token_revoked'],
    ['FITBIT_CONNECT_ERROR[scope_missing]: 403', 'scope_missing'],
    ['FITBIT_CONNECT_ERROR[account_not_linked]: not linked', 'account_not_linked'],
    ['FITBIT_CONNECT_ERROR[rate_limited]: 429', 'rate_limited'],
    ['FITBIT_CONNECT_ERROR[provider_gone]: 410', 'provider_gone'],
    ['FITBIT_CONNECT_ERROR[api_error]: invalid_grant in the text is not the tag', 'other'],
    ['FITBIT_CONNECT_ERROR[something_new]: ?', 'other'],
    [
      'Python Interpreter Error:\nFitbitConnectError: FITBIT_CONNECT_ERROR[token_revoked]: x in function FITBIT_CONNECTION_CHECK',
      'token_revoked',
    ],
  ] as const)('tagged %j → %s', (message, expected) => {
    expect(classifyCheckMessage(message)).toBe(expected);
  });
  it.each([
    ['invalid_grant: Token has been expired or revoked.', 'token_revoked'],
    ['{"error":"invalid_grant","error_description":"Bad Request"}', 'token_revoked'],
    ['The refresh token is invalid', 'token_revoked'],
    ['401 invalid_token', 'token_revoked'],
    ['HTTP 410 Gone', 'provider_gone'],
    ['The resource is gone', 'provider_gone'],
    ['400 FAILED_PRECONDITION ACCOUNT_NOT_LINKED', 'account_not_linked'],
    ['403 PERMISSION_DENIED reason ACCOUNT_NOT_LINKED', 'account_not_linked'],
    ['403 PERMISSION_DENIED insufficient scopes', 'scope_missing'],
    ['insufficient_scope', 'scope_missing'],
    ['HTTP 429 Too Many Requests', 'rate_limited'],
    ['RESOURCE_EXHAUSTED: quota', 'rate_limited'],
    ['rate limit exceeded', 'rate_limited'],
    ['Rate-limited by the API', 'rate_limited'],
    ['HTTP 500 Internal Server Error', 'other'],
    ['', 'other'],
    // Words that merely contain "rate" or "gone" say nothing about rate limits or a retired API.
    ['Failed to generate the result set', 'other'],
    ['SQL compilation error: the operation is not supported by this integration', 'other'],
    ['Could not separate the response', 'other'],
    ['a foregone conclusion', 'other'],
    ['port 4100 unreachable', 'other'],
  ] as const)('untagged %j → %s', (message, expected) => {
    expect(classifyCheckMessage(message)).toBe(expected);
  });
});

describe('driverOptions', () => {
  let dir: string;
  let keyFile: string;
  const PEM = '-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'fsc-driver-'));
    keyFile = path.join(dir, 'key.p8');
    writeFileSync(keyFile, PEM);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const base: SnowflakeConnectionConfig = {
    account: 'myorg-myaccount',
    username: 'FITBIT_APP',
    authenticator: 'SNOWFLAKE',
    source: 'environment',
  };

  it('password sign-in with context and timeout', () => {
    const o = driverOptions(
      { ...base, password: 'pw', role: 'R', warehouse: 'W', database: 'D', schema: 'S', token: 'unused' },
      5000,
    );
    expect(o).toMatchObject({
      account: 'myorg-myaccount',
      username: 'FITBIT_APP',
      authenticator: 'SNOWFLAKE',
      password: 'pw',
      role: 'R',
      warehouse: 'W',
      database: 'D',
      schema: 'S',
      timeout: 5000,
      application: 'fitbit-snowflake-connect',
    });
    expect(o).not.toHaveProperty('token');
    expect(o).not.toHaveProperty('privateKey');
    expect(o).not.toHaveProperty('accessUrl');
  });
  it('JWT with an inline private key', () => {
    const o = driverOptions(
      { ...base, authenticator: 'SNOWFLAKE_JWT', privateKey: PEM, privateKeyPass: 'pp', password: 'unused' },
      1,
    );
    expect(o).toMatchObject({ authenticator: 'SNOWFLAKE_JWT', privateKey: PEM, privateKeyPass: 'pp' });
    expect(o).not.toHaveProperty('password');
  });
  it('JWT reads privateKeyPath into privateKey', () => {
    const o = driverOptions({ ...base, authenticator: 'SNOWFLAKE_JWT', privateKeyPath: keyFile }, 1);
    expect((o as { privateKey?: string }).privateKey).toBe(PEM);
    expect(o).not.toHaveProperty('privateKeyPass');
  });
  it.each(['PROGRAMMATIC_ACCESS_TOKEN', 'OAUTH'] as const)('%s passes the token', (authenticator) => {
    const o = driverOptions({ ...base, authenticator, token: 'tok', password: 'unused' }, 1);
    expect(o).toMatchObject({ authenticator, token: 'tok' });
    expect(o).not.toHaveProperty('password');
  });
  it('EXTERNALBROWSER carries no secret', () => {
    const o = driverOptions({ ...base, authenticator: 'EXTERNALBROWSER', password: 'x', token: 'y' }, 1);
    expect(o).not.toHaveProperty('password');
    expect(o).not.toHaveProperty('token');
  });
  it('accessUrl and host pass through; empty values are left out', () => {
    const o = driverOptions(
      { ...base, password: 'pw', accessUrl: 'http://127.0.0.1:4000', host: 'h.example', role: '' },
      1,
    );
    expect(o).toMatchObject({ accessUrl: 'http://127.0.0.1:4000', host: 'h.example' });
    expect(o).not.toHaveProperty('role');
  });
});
