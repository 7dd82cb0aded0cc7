import type { OAuthBehaviour } from './behaviour.js';
import type { DataTypeId, LateSyncValue } from './daily-data.js';
import { seedClients, seedUsers } from './seed.js';
import { randomId } from './tokens.js';
import type { Profile, SandboxClient, SandboxUser } from './types.js';

// All mutable state of the stand-in, in memory. Every expiry rule reads `now()`, the server's own
// clock, so tests can jump ahead with /sandbox/advance-clock instead of waiting.

export const CODE_TTL_MS = 10 * 60_000;
export const INTERACTION_TTL_MS = 60 * 60_000;
export const GOOGLE_ACCESS_TTL_S = 3599;
export const FITBIT_ACCESS_TTL_S = 28_800;
export const TESTING_REFRESH_TTL_MS = 7 * 86_400_000;
export const GOOGLE_UNUSED_REFRESH_MS = 183 * 86_400_000; // "unused for 6 months"
export const GOOGLE_MAX_REFRESH_TOKENS = 100;
export const FITBIT_REPLAY_WINDOW_MS = 120_000;

/** A pending authorization request, validated, waiting for the consent form's POST. */
export interface Interaction {
  id: string;
  profile: Profile;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string | undefined;
  codeChallenge: string;
  offline: boolean;
  promptConsent: boolean;
  includeGrantedScopes: boolean;
  createdAt: number;
}

export interface AuthCode {
  code: string;
  profile: Profile;
  clientId: string;
  userId: string;
  grantId: string;
  redirectUri: string;
  codeChallenge: string;
  scopes: string[];
  /** Google: a refresh token goes with this code (offline access and consent shown). */
  issueRefresh: boolean;
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

/** A user's authorization of one client: revoking it kills every token issued under it. */
export interface Grant {
  id: string;
  profile: Profile;
  userId: string;
  clientId: string;
  scopes: Set<string>;
  revoked: boolean;
}

export interface AccessToken {
  token: string;
  profile: Profile;
  grantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  offline: boolean;
  issuedAt: number;
  expiresAt: number;
  revoked: boolean;
  used: boolean;
}

export interface RefreshToken {
  token: string;
  profile: Profile;
  grantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  issuedAt: number;
  lastUsedAt: number;
  expiresAt: number | null;
  revoked: boolean;
  /** Fitbit: set when this token was exchanged; the replay window keys off it. */
  rotated?: {
    at: number;
    fingerprint: string;
    response: Record<string, unknown>;
    nextAccess: string;
    nextRefresh: string;
  };
}

export class Store {
  private clockOffsetMs = 0;
  clients = new Map<string, SandboxClient>();
  users: SandboxUser[] = [];
  interactions = new Map<string, Interaction>();
  codes = new Map<string, AuthCode>();
  grants = new Map<string, Grant>();
  accessTokens = new Map<string, AccessToken>();
  refreshTokens = new Map<string, RefreshToken>();
  /** key `${bucket}|${clientId}|${userId}` → requests in that window */
  rateCounters = new Map<string, number>();
  /** Everything ever issued (survives reset): what a leak scanner must never find in logs. */
  readonly issued = new Set<string>();
  legacyGone = false;
  /** Late syncs (POST /sandbox/late-sync): key `${userId}|${dataType}|${yyyy-MM-dd}` → the day's new value. */
  lateSyncs = new Map<string, LateSyncValue>();
  /** The switches (behaviour.ts); reset goes back to the ones given at start. */
  behaviour: OAuthBehaviour;

  constructor(
    private readonly extraClients: SandboxClient[],
    private readonly initialLegacyGone: boolean,
    private readonly initialBehaviour: OAuthBehaviour,
  ) {
    this.behaviour = initialBehaviour;
    this.reset();
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  advanceClock(seconds: number): void {
    this.clockOffsetMs += seconds * 1000;
  }

  get clockOffsetSeconds(): number {
    return this.clockOffsetMs / 1000;
  }

  reset(): void {
    this.clockOffsetMs = 0;
    this.clients.clear();
    for (const c of [...seedClients(), ...this.extraClients]) this.addClient(c);
    this.users = seedUsers();
    this.interactions.clear();
    this.codes.clear();
    this.grants.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.rateCounters.clear();
    this.lateSyncs.clear();
    this.legacyGone = this.initialLegacyGone;
    this.behaviour = this.initialBehaviour;
  }

  addClient(client: SandboxClient): void {
    this.clients.set(client.clientId, {
      ...client,
      redirectUris: [...client.redirectUris],
      status: client.profile === 'google-health' ? (client.status ?? 'production') : undefined,
      appType: client.profile === 'fitbit' ? (client.appType ?? 'server') : undefined,
    });
  }

  appClient(o: { profile: Profile; redirectUri: string; status?: 'production' | 'testing' }): {
    clientId: string;
    clientSecret: string | null;
  } {
    const seeded = seedClients().filter(
      (c) =>
        c.profile === o.profile &&
        c.clientSecret !== null &&
        (c.status ?? 'production') === (o.status ?? 'production'),
    );
    const fits = seeded.find((c) => c.redirectUris.includes(o.redirectUri));
    if (fits) return { clientId: fits.clientId, clientSecret: fits.clientSecret };
    // A non-default port or host: register a client for exactly this redirect URI (the first seeded
    // client's secret, so the same setup script works).
    const base = seedClients().find((c) => c.profile === o.profile && c.clientSecret !== null)!;
    const client: SandboxClient = {
      profile: o.profile,
      clientId: `sandbox-app-${o.profile}`,
      clientSecret: base.clientSecret,
      name: 'fitbit-snowflake-connect (sandbox)',
      redirectUris: [o.redirectUri],
      status: o.status,
    };
    this.addClient(client);
    return { clientId: client.clientId, clientSecret: client.clientSecret };
  }

  client(profile: Profile, clientId: string | undefined): SandboxClient | undefined {
    if (!clientId) return undefined;
    const c = this.clients.get(clientId);
    return c?.profile === profile ? c : undefined;
  }

  lateSync(userId: string, type: DataTypeId, iso: string): LateSyncValue | undefined {
    return this.lateSyncs.get(`${userId}|${type}|${iso}`);
  }

  setLateSync(userId: string, type: DataTypeId, iso: string, value: LateSyncValue): void {
    this.lateSyncs.set(`${userId}|${type}|${iso}`, value);
  }

  user(id: string): SandboxUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  /** Users who can sign in to a profile: everyone for Google, legacy account holders for Fitbit. */
  usersFor(profile: Profile): SandboxUser[] {
    return profile === 'fitbit' ? this.users.filter((u) => u.fitbit !== null) : this.users;
  }

  remember(...values: string[]): void {
    for (const v of values) this.issued.add(v);
  }

  secrets(): string[] {
    const out = new Set(this.issued);
    for (const c of this.clients.values()) if (c.clientSecret) out.add(c.clientSecret);
    return [...out];
  }

  newInteraction(i: Omit<Interaction, 'id' | 'createdAt'>): Interaction {
    // Abandoned consent pages would pile up in a long-running demo: drop the expired ones.
    for (const [id, old] of this.interactions) {
      if (this.now() - old.createdAt > INTERACTION_TTL_MS) this.interactions.delete(id);
    }
    const full = { ...i, id: randomId(), createdAt: this.now() };
    this.interactions.set(full.id, full);
    return full;
  }

  takeInteraction(id: string): Interaction | undefined {
    const i = this.interactions.get(id);
    if (!i) return undefined;
    this.interactions.delete(id);
    return this.now() - i.createdAt > INTERACTION_TTL_MS ? undefined : i;
  }

  activeGrant(profile: Profile, userId: string, clientId: string): Grant | undefined {
    for (const g of this.grants.values()) {
      if (!g.revoked && g.profile === profile && g.userId === userId && g.clientId === clientId) return g;
    }
    return undefined;
  }

  ensureGrant(profile: Profile, userId: string, clientId: string, scopes: string[]): Grant {
    const g = this.activeGrant(profile, userId, clientId) ?? {
      id: randomId(),
      profile,
      userId,
      clientId,
      scopes: new Set<string>(),
      revoked: false,
    };
    for (const s of scopes) g.scopes.add(s);
    this.grants.set(g.id, g);
    return g;
  }

  revokeGrant(grantId: string): void {
    const g = this.grants.get(grantId);
    if (g) g.revoked = true;
    for (const c of this.codes.values()) if (c.grantId === grantId) c.used = true;
  }

  revokeAll(): void {
    for (const g of this.grants.values()) this.revokeGrant(g.id);
  }

  /** One user removes the app's access (their account's permissions page): every grant of theirs ends. */
  revokeUser(userId: string): number {
    let n = 0;
    for (const g of this.grants.values())
      if (g.userId === userId && !g.revoked) {
        this.revokeGrant(g.id);
        n++;
      }
    return n;
  }

  grantRevoked(grantId: string): boolean {
    return this.grants.get(grantId)?.revoked ?? true;
  }

  /** A live access token, or why not. */
  checkAccess(
    token: string | undefined,
    profile: Profile,
  ): { at: AccessToken } | { reason: 'invalid' | 'expired' } {
    const at = token ? this.accessTokens.get(token) : undefined;
    if (!at || at.profile !== profile || at.revoked || this.grantRevoked(at.grantId))
      return { reason: 'invalid' };
    if (this.now() >= at.expiresAt) return { reason: 'expired' };
    return { at };
  }

  refreshLive(rt: RefreshToken): boolean {
    if (rt.revoked || rt.rotated || this.grantRevoked(rt.grantId)) return false;
    if (rt.expiresAt !== null && this.now() >= rt.expiresAt) return false;
    if (rt.profile === 'google-health' && this.now() - rt.lastUsedAt > GOOGLE_UNUSED_REFRESH_MS) return false;
    return true;
  }

  liveRefreshTokens(profile: Profile, userId: string, clientId: string): RefreshToken[] {
    return [...this.refreshTokens.values()]
      .filter((r) => r.profile === profile && r.userId === userId && r.clientId === clientId)
      .filter((r) => this.refreshLive(r))
      .sort((a, b) => a.issuedAt - b.issuedAt);
  }

  /** Counts one request and says whether it is over `limit` in the window of `windowMs`. */
  countRequest(
    clientId: string,
    userId: string,
    windowMs: number,
    limit: number,
  ): {
    count: number;
    limited: boolean;
    resetInS: number;
  } {
    const now = this.now();
    const bucket = Math.floor(now / windowMs);
    const key = `${windowMs}|${bucket}|${clientId}|${userId}`;
    const count = (this.rateCounters.get(key) ?? 0) + 1;
    this.rateCounters.set(key, count);
    return { count, limited: count > limit, resetInS: Math.ceil(((bucket + 1) * windowMs - now) / 1000) };
  }
}
