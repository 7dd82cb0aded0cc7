import type { SandboxClient, SandboxUser } from './types.js';

// The fixed starting state. Tests and sandbox/README.md rely on these exact values.

export const GOOGLE_SCOPE_PREFIX = 'https://www.googleapis.com/auth/googlehealth.';

const LOOPBACK_REDIRECTS = ['http://localhost:8787/callback', 'http://127.0.0.1:8787/callback'];

export function seedClients(): SandboxClient[] {
  return [
    {
      profile: 'google-health',
      clientId: 'sandbox-client-id',
      clientSecret: 'sandbox-client-secret',
      name: 'Fitbit to Snowflake (sandbox)',
      redirectUris: [...LOOPBACK_REDIRECTS],
      status: 'production',
    },
    {
      profile: 'google-health',
      clientId: 'sandbox-testing-client-id',
      clientSecret: 'sandbox-testing-client-secret',
      name: 'Fitbit to Snowflake (sandbox, Testing status)',
      redirectUris: [...LOOPBACK_REDIRECTS],
      status: 'testing',
    },
    {
      profile: 'fitbit',
      clientId: '23SBOX',
      clientSecret: 'sandbox-fitbit-secret',
      name: 'Fitbit to Snowflake (sandbox server app)',
      redirectUris: [...LOOPBACK_REDIRECTS],
      appType: 'server',
    },
    {
      profile: 'fitbit',
      clientId: '23SCLI',
      clientSecret: null,
      name: 'Fitbit to Snowflake (sandbox client app)',
      redirectUris: [...LOOPBACK_REDIRECTS],
      appType: 'client',
    },
  ];
}

export function seedUsers(): SandboxUser[] {
  return [
    {
      id: 'alice',
      name: 'Alice Example',
      email: 'alice@example.com',
      googleSub: '104857600000000000001',
      healthUserId: '4815162342',
      legacyUserId: '2E4RVC',
      healthLinked: true,
      age: 38,
      membershipStartDate: { year: 2016, month: 6, day: 9 },
      fitbit: {
        encodedId: '2E4RVC',
        displayName: 'Alice',
        fullName: 'Alice Example',
        memberSince: '2016-06-09',
        timezone: 'Europe/Berlin',
        offsetFromUTCMillis: 3_600_000,
      },
    },
    {
      id: 'bob',
      name: 'Bob Newcomer',
      email: 'bob@example.com',
      googleSub: '104857600000000000002',
      healthUserId: '7788990011',
      legacyUserId: '',
      healthLinked: true,
      age: 29,
      membershipStartDate: { year: 2026, month: 3, day: 14 },
      fitbit: null,
    },
    {
      // A Google account with no health profile; she still has an unmigrated legacy Fitbit account.
      id: 'carol',
      name: 'Carol Unlinked',
      email: 'carol@example.com',
      googleSub: '104857600000000000003',
      healthUserId: '',
      legacyUserId: '',
      healthLinked: false,
      age: 45,
      membershipStartDate: { year: 2019, month: 1, day: 2 },
      fitbit: {
        encodedId: '7QZK3M',
        displayName: 'Carol',
        fullName: 'Carol Unlinked',
        memberSince: '2019-01-02',
        timezone: 'America/New_York',
        offsetFromUTCMillis: -18_000_000,
      },
    },
  ];
}
