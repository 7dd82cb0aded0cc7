// Invite links, kept in <DATA_DIR>/invites.json (mode 0600, replaced by an atomic rename). The link's token
// is shown to the admin once and never stored: the file keeps its SHA-256 only, so reading the file opens
// no invite. An invite is for one account, single-use (used once its sign-in wrote that account's secret),
// expiring and revocable; the states are worked out on the app's clock.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanPerson } from '../accounts/registry.js';
import type { Clock } from '../clock.js';
import { type AppError, appError } from '../errors/index.js';
import { constantTimeEqual } from '../security/compare.js';

export interface Invite {
  id: string;
  /** The account whose secret the invite's sign-in writes. */
  account: string;
  /** Who is asking, as the admin wrote it ("Dr. Lee, sleep study"): the participant sees it first. */
  from: string;
  /** SHA-256 of the link's token (hex); the token itself is never kept. */
  tokenHash: string;
  createdAt: string;
  expiresAt: string;
  usedAt?: string;
  usedBy?: { userId: string; email?: string };
  revokedAt?: string;
  /**
   * Whose connection the invite's use replaced, when the account was connected as someone else before:
   * the admin's list flags it (the flow writes an invite's token without asking).
   */
  replaced?: { userId: string; email?: string };
  /** The last sign-in through it that failed (consent denied, a refused write…): what the admin is told. */
  lastFailure?: { at: string; code: string; title: string };
}

export type InviteState = 'open' | 'used' | 'expired' | 'revoked';

/** The link's token: 32 random bytes, base64url (43 characters). */
export const INVITE_TOKEN = /^[A-Za-z0-9_-]{43}$/;
const MAX_FROM = 80;

const hashOf = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

export class InviteStore {
  private readonly file: string;
  private invites: Invite[];
  /** Invites whose sign-in is writing right now: a second sign-in through the same link must wait its turn. */
  private readonly writing = new Set<string>();

  constructor(
    private readonly dataDir: string,
    private readonly ttlMs: number,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    this.file = path.join(dataDir, 'invites.json');
    this.invites = this.load();
  }

  private load(): Invite[] {
    if (!existsSync(this.file)) return [];
    try {
      const parsed = JSON.parse(readFileSync(this.file, 'utf8')) as { invites?: unknown };
      return Array.isArray(parsed?.invites) ? (parsed.invites as Invite[]).filter(isInvite) : [];
    } catch {
      throw new Error(`${this.file} is not valid JSON: fix or remove it (it lists invites, never a token).`);
    }
  }

  private save(): void {
    mkdirSync(this.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${JSON.stringify({ invites: this.invites }, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private iso(ms = this.clock.now()): string {
    return new Date(ms).toISOString();
  }

  /** A new invite for `account`; the token comes back here once and is not kept. */
  create(account: string, from: string): { invite: Invite; token: string } {
    const who = cleanPerson(from)?.slice(0, MAX_FROM);
    if (!who) throw appError('invite_from_invalid');
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const invite: Invite = {
      id: randomBytes(12).toString('base64url'),
      account,
      from: who,
      tokenHash: hashOf(token),
      createdAt: this.iso(now),
      expiresAt: this.iso(now + this.ttlMs),
    };
    this.invites.push(invite);
    this.save();
    return { invite: { ...invite }, token };
  }

  /** Every invite, newest first. */
  list(): Invite[] {
    return this.invites.map((i) => ({ ...i })).reverse();
  }

  get(id: string): Invite | undefined {
    const i = this.invites.find((x) => x.id === id);
    return i && { ...i };
  }

  /** The invite a link's token opens, whatever its state; compared in constant time, never by lookup. */
  byToken(token: string): Invite | undefined {
    if (!INVITE_TOKEN.test(token)) return undefined;
    const hash = hashOf(token);
    let found: Invite | undefined;
    // Every entry is compared (no early exit): the time taken says nothing about which one matched.
    for (const i of this.invites) if (constantTimeEqual(hash, i.tokenHash)) found = i;
    return found && { ...found };
  }

  state(invite: Invite): InviteState {
    if (invite.usedAt) return 'used';
    if (invite.revokedAt) return 'revoked';
    if (this.clock.now() >= Date.parse(invite.expiresAt)) return 'expired';
    return 'open';
  }

  /** Why an invite can connect nothing any more (undefined while it is open). */
  refusal(invite: Invite): AppError | undefined {
    switch (this.state(invite)) {
      case 'used':
        return appError('invite_used', { usedAt: invite.usedAt! });
      case 'revoked':
        return appError('invite_revoked', { revokedAt: invite.revokedAt! });
      case 'expired':
        return appError('invite_expired', { expiresAt: invite.expiresAt });
      default:
        return undefined;
    }
  }

  /** The open invite `id` for `account`, or the error saying why it cannot write that account's secret. */
  requireOpen(id: string, account: string): Invite {
    const invite = this.invites.find((x) => x.id === id);
    // An invite for another account is as good as none: it can never write this one's secret.
    if (!invite || invite.account !== account) throw appError('invite_unknown');
    const refused = this.refusal(invite);
    if (refused) throw refused;
    return { ...invite };
  }

  /**
   * Takes the open invite for one write; the caller releases it if the write does not happen, or marks it
   * used. A second sign-in through the same link while the first is writing is refused as used.
   */
  claim(id: string, account: string): { from: string; release(): void } {
    const invite = this.requireOpen(id, account);
    if (this.writing.has(id)) throw appError('invite_used', { usedAt: this.iso() });
    this.writing.add(id);
    return { from: invite.from, release: () => this.writing.delete(id) };
  }

  markUsed(id: string, by: { userId: string; email?: string }): void {
    this.writing.delete(id);
    const invite = this.invites.find((x) => x.id === id);
    if (!invite || invite.usedAt) return;
    invite.usedAt = this.iso();
    invite.usedBy = { userId: by.userId, ...(by.email ? { email: by.email } : {}) };
    this.save();
  }

  /** Records that the invite's use replaced `who`'s connection (the account held their token before). */
  noteReplaced(id: string, who: { userId: string; email?: string }): void {
    const invite = this.invites.find((x) => x.id === id);
    if (!invite) return;
    invite.replaced = { userId: who.userId, ...(who.email ? { email: who.email } : {}) };
    this.save();
  }

  /** Records a failed sign-in through the invite, for the admin's list (the invite stays as it was). */
  noteFailure(id: string, failure: { code: string; title: string }): void {
    const invite = this.invites.find((x) => x.id === id);
    if (!invite) return;
    invite.lastFailure = { at: this.iso(), code: failure.code, title: failure.title };
    this.save();
  }

  /** Revokes an invite that is still open; a used or expired one is left as it is. False: no such invite. */
  revoke(id: string): boolean {
    const invite = this.invites.find((x) => x.id === id);
    if (!invite) return false;
    if (this.state(invite) === 'open') {
      invite.revokedAt = this.iso();
      this.save();
    }
    return true;
  }
}

function isInvite(x: unknown): x is Invite {
  const i = x as Invite;
  return (
    typeof i?.id === 'string' &&
    typeof i.account === 'string' &&
    typeof i.from === 'string' &&
    typeof i.tokenHash === 'string' &&
    typeof i.createdAt === 'string' &&
    typeof i.expiresAt === 'string'
  );
}
