// What the participant's browser is shown after the provider sent it back: "done", or why not, in the
// participant's words (the catalog's invite_* entries). Kept briefly in memory per browser, like the
// admin's result pages, so the callback can redirect and the code leaves the address bar. A failure is
// also noted on the invite, which is how the admin is told.
import type { Clock } from '../clock.js';
import type { CheckProgress, ProgressEnd } from '../connection/progress.js';
import { type AppError, appError, isAppError } from '../errors/index.js';
import type { Checked, Outcome } from '../oauth/flow.js';
import { accountText } from '../providers/index.js';
import { Results } from '../routes/results.js';
import type { ParticipantBrowsers } from './participants.js';
import type { InviteStore } from './store.js';

export type InviteAnswer =
  | {
      kind: 'done';
      from: string;
      account: string;
      who: string;
      /** The check after the write (it runs on after the callback answered): the page waits for it. */
      check: Pick<CheckProgress<Checked>, 'end' | 'ended'>;
    }
  | { kind: 'refused'; error: AppError };

/**
 * How long the done page waits for the check after the write before it answers "saved, not confirmed yet"
 * and checks again by itself (a refresh every CHECK_REFRESH_SECONDS): a warm check takes about a second,
 * and the person should not look at a loading page for the seconds a sleeping warehouse takes to resume.
 */
export const CHECK_WAIT_MS = 1500;
export const CHECK_REFRESH_SECONDS = 3;

/**
 * What the done page must add to "saved" once the check after the write ended (`end`), or was waited for in
 * vain (undefined): null only when Snowflake read the data as the invited person, the one case the page may
 * say "can now read your data". Never names the previous holder: the participant need not know who it was.
 */
export function doneNote(from: string, end: ProgressEnd<Checked> | undefined): AppError | null {
  if (!end) return appError('invite_saved_unchecked', { from, variant: 'running' });
  if (end.kind === 'error') return appError('invite_saved_unchecked', { from, variant: 'ended' });
  const r = end.result;
  if (r.kind === 'pending')
    return appError('invite_saved_cached_token', { from, variant: r.inUse.kind, until: r.inUse.until });
  if (r.supersededBy) return appError('invite_saved_unchecked', { from, variant: 'superseded' });
  if (!r.check.ok) return appError('invite_saved_unchecked', { from, variant: 'failed' });
  return null;
}

/** Refusals that are the invite's own state, not a failure the admin should look into. */
const NOT_A_FAILURE = new Set(['invite_unknown', 'invite_used', 'invite_expired', 'invite_revoked']);

/** A failure of the participant's sign-in, said for the participant: what happened and what they can do. */
export function participantError(err: AppError, provider: string): AppError {
  switch (err.code) {
    case 'consent_denied':
      return appError('invite_consent_denied', { provider });
    case 'scope_missing':
      return appError('invite_scope_missing', { provider });
    case 'csrf_invalid':
    case 'cookies_unreadable':
      return appError('invite_page_stale');
    case 'state_expired':
    case 'state_other_browser':
    case 'state_invalid':
      return appError('invite_sign_in_expired');
    default:
      if (err.code.startsWith('invite_')) return err;
      return appError('invite_sign_in_failed', { what: err.title });
  }
}

export class InviteAnswers {
  private readonly results: Results<InviteAnswer>;

  constructor(
    private readonly store: InviteStore,
    private readonly participants: ParticipantBrowsers,
    private readonly provider: string,
    private readonly clock: Clock,
  ) {
    this.results = new Results<InviteAnswer>(clock);
  }

  /**
   * Keeps what the callback of an invite's sign-in came to (the outcome, or the error it threw) and returns
   * the participant's page for it. `inviteId`: the sign-in's invite, when the callback still knew it.
   */
  answer(browserId: string, inviteId: string | undefined, r: Outcome | unknown): string {
    const id = inviteId ?? this.participants.inviteOf(browserId);
    const invite = id ? this.store.get(id) : undefined;
    let answer: InviteAnswer;
    // "Done" only for the sign-in the callback named as the invite's own.
    if (!isAppError(r) && (r as Outcome | undefined)?.kind === 'written' && invite && inviteId) {
      const outcome = r as Extract<Outcome, { kind: 'written' }>;
      answer = {
        kind: 'done',
        from: invite.from,
        account: invite.account,
        who: accountText(outcome.identity),
        check: outcome.progress,
      };
      // The invite wrote over someone else's connection without asking: the admin's list says whose.
      const previous = outcome.previousUserId;
      if (previous !== undefined && previous !== outcome.identity.userId)
        this.store.noteReplaced(invite.id, { userId: previous, email: outcome.previousEmail });
    } else {
      const err = isAppError(r)
        ? r
        : appError('invite_sign_in_failed', { what: 'the sign-in ended unexpectedly' });
      // The flow noted a failed write itself, with Snowflake's reason.
      if (invite && !NOT_A_FAILURE.has(err.code) && err.code !== 'invite_write_failed')
        this.store.noteFailure(invite.id, { code: err.code, title: err.title });
      answer = { kind: 'refused', error: participantError(err, this.provider) };
    }
    return `/invite-result/${this.results.put(browserId, answer)}`;
  }

  get(id: string, browserId: string | undefined): InviteAnswer | undefined {
    return this.results.get(id, browserId);
  }

  /** The end of the check after a done answer's write, waiting for it at most `waitMs` (then undefined). */
  async checkEnd(
    answer: Extract<InviteAnswer, { kind: 'done' }>,
    waitMs = CHECK_WAIT_MS,
  ): Promise<ProgressEnd<Checked> | undefined> {
    if (answer.check.end) return answer.check.end;
    let cancel = () => {};
    const gaveUp = new Promise<void>((resolve) => {
      cancel = this.clock.setTimer(resolve, waitMs);
    });
    try {
      await Promise.race([answer.check.ended, gaveUp]);
    } finally {
      cancel();
    }
    return answer.check.end;
  }
}
