// What the participant's browser is shown after the provider sent it back: "done", or why not, in the
// participant's words (the catalog's invite_* entries). Kept briefly in memory per browser, like the
// admin's result pages, so the callback can redirect and the code leaves the address bar. A failure is
// also noted on the invite, which is how the admin is told.
import type { Clock } from '../clock.js';
import { type AppError, appError, isAppError } from '../errors/index.js';
import type { Outcome } from '../oauth/flow.js';
import { accountText } from '../providers/index.js';
import { Results } from '../routes/results.js';
import type { ParticipantBrowsers } from './participants.js';
import type { InviteStore } from './store.js';

export type InviteAnswer =
  | { kind: 'done'; from: string; account: string; who: string }
  | { kind: 'refused'; error: AppError };

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
    clock: Clock,
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
      };
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
}
