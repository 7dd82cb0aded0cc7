// Invite links. The admin's page (/invites, behind the access gate like every page) makes, lists and
// revokes them. The participant's pages (/invite/<token>, its Continue, and /invite-result/<id> after the
// provider) are the only ones the gate opens without an admin session, and they link nowhere else.
import { type Request, type Response, Router } from 'express';
import { requireConnectable } from '../accounts/ready.js';
import type { Clock } from '../clock.js';
import { type AppConfig, isLoopbackHost } from '../config/index.js';
import type { ConnectionHistory } from '../connection/history.js';
import { type AppError, appError, toAppError } from '../errors/index.js';
import { CHECK_REFRESH_SECONDS, doneNote, type InviteAnswers } from '../invites/answers.js';
import type { ParticipantBrowsers } from '../invites/participants.js';
import { sharedData } from '../invites/shared-data.js';
import { INVITE_TOKEN, type Invite, type InviteStore } from '../invites/store.js';
import { untilText } from '../invites/until-text.js';
import type { ConnectFlow } from '../oauth/flow.js';
import type { ProviderProfile } from '../providers/index.js';
import type { StatusService } from '../status/service.js';
import { formatSpan } from '../time-format.js';
import { idParam } from './params.js';

/** What the invite pages need of one account. */
export interface InviteAccount {
  label: string;
  person?: string;
  flow: Pick<ConnectFlow, 'start'>;
  status: Pick<StatusService, 'objectsReady'>;
  /** Who the account is connected as now: an invite for it replaces that person without asking. */
  history: Pick<ConnectionHistory, 'lastConnectedUser' | 'deliveredUser' | 'emailOf'>;
}

/** Whom an account's secret was last connected to, and whether that connection still works. */
export interface Holder {
  userId: string;
  email?: string;
  works: boolean;
}

function holderOf(a: InviteAccount): Holder | undefined {
  const userId = a.history.lastConnectedUser();
  if (!userId) return undefined;
  return { userId, email: a.history.emailOf(userId), works: a.history.deliveredUser() === userId };
}

export interface InviteRouteDeps {
  config: AppConfig;
  profile: ProviderProfile;
  accounts: { all(): InviteAccount[]; get(label: string): InviteAccount | undefined };
  store: InviteStore;
  participants: ParticipantBrowsers;
  answers: InviteAnswers;
  /** The app's clock: each page says every "in 3 days" against one reading of it. */
  clock: Pick<Clock, 'now'>;
}

/** The participant's view of an error: their own page, with no way into the rest of the app. */
export function renderParticipantError(res: Response, err: AppError): void {
  res.status(err.status).render('invite-error', { error: err.toView(), pageTitle: err.title });
}

export function inviteRoutes(s: InviteRouteDeps): Router {
  const r = Router();
  const shared = sharedData(s.config, s.profile);
  const redirect = new URL(s.config.oauth.redirectUri);

  const listed = () => s.store.list().map((i) => ({ ...i, state: s.store.state(i), tokenHash: undefined }));

  // A link on localhost, 127.0.0.1 or [::1] names the participant's own computer on theirs.
  const loopback = isLoopbackHost(new URL(s.config.publicOrigin).hostname)
    ? appError('invite_link_loopback', {
        origin: s.config.publicOrigin,
        redirectUri: s.config.oauth.redirectUri,
      }).toView()
    : null;

  const adminPage = (res: Response, created: unknown) => {
    const now = s.clock.now();
    res.render('invites', {
      invites: listed(),
      accounts: s.accounts.all().map((a) => ({ label: a.label, person: a.person, holder: holderOf(a) })),
      created,
      until: (at: string) => untilText(at, now),
      loopback,
      ttl: formatSpan(s.config.inviteTtlMs / 1000),
      // Participants on other computers come back through the redirect URI: it must be on PUBLIC_URL's origin.
      warning:
        redirect.origin === s.config.publicOrigin
          ? null
          : appError('invite_redirect_elsewhere', {
              redirectUri: s.config.oauth.redirectUri,
              publicOrigin: s.config.publicOrigin,
            }).toView(),
      pageTitle: 'Invites',
    });
  };

  r.get('/invites', (_req, res) => {
    adminPage(res, null);
  });

  r.post('/invites', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const label = typeof body.account === 'string' ? body.account.slice(0, 40) : '';
    const account = s.accounts.get(label);
    if (!account) throw appError('account_unknown', { label });
    await requireConnectable(account);
    const { invite, token } = s.store.create(account.label, typeof body.from === 'string' ? body.from : '');
    // The one time the link exists outside the participant's hands: this response (never cached, never logged).
    const link = `${s.config.publicOrigin}/invite/${token}`;
    res.status(201);
    adminPage(res, {
      invite,
      link,
      label: account.person ? `${label} (${account.person})` : label,
      holder: holderOf(account),
    });
  });

  r.post('/invites/:id/revoke', (req, res) => {
    if (!s.store.revoke(idParam(req))) throw appError('invite_not_found');
    res.redirect(303, '/invites');
  });

  /** The open invite a link's token opens, or the participant's page saying why not (then undefined). */
  const openInvite = (req: Request, res: Response): { invite: Invite; token: string } | undefined => {
    const token = typeof req.params.token === 'string' ? req.params.token : '';
    const invite = INVITE_TOKEN.test(token) ? s.store.byToken(token) : undefined;
    if (!invite) {
      renderParticipantError(res, appError('invite_unknown'));
      return undefined;
    }
    const refused = s.store.refusal(invite);
    if (refused) {
      renderParticipantError(res, refused);
      return undefined;
    }
    return { invite, token };
  };

  r.get('/invite/:token', (req, res) => {
    // The sign-in cookie must come back to the callback: continue on the redirect URI's own host.
    if (req.headers.host && req.headers.host.toLowerCase() !== redirect.host) {
      res.redirect(303, new URL(req.path, redirect.origin).href);
      return;
    }
    const open = openInvite(req, res);
    if (!open) return;
    const now = s.clock.now();
    res.render('invite', {
      invite: open.invite,
      token: open.token,
      shared,
      until: (at: string) => untilText(at, now),
      pageTitle: `${open.invite.from} asks you to share your Fitbit data`,
    });
  });

  r.post('/invite/:token/start', async (req, res) => {
    const open = openInvite(req, res);
    if (!open) return;
    const { invite } = open;
    const account = s.accounts.get(invite.account);
    try {
      // The participant is told in their words (invite_not_ready), not the admin's account_not_ready.
      if (!account) throw appError('invite_not_ready', { from: invite.from });
      await requireConnectable(account).catch(() => {
        throw appError('invite_not_ready', { from: invite.from });
      });
      const browserId = res.locals.browserId as string;
      const url = await account.flow.start(browserId, 'connect', { invite: invite.id });
      // From here on this browser may reach the callback and its own result page, and nothing else.
      s.participants.mark(browserId, invite.id);
      res.redirect(303, url.href);
    } catch (e) {
      const err = toAppError(e);
      s.store.noteFailure(invite.id, { code: err.code, title: err.title });
      renderParticipantError(
        res,
        err.code.startsWith('invite_') ? err : appError('invite_sign_in_failed', { what: err.title }),
      );
    }
  });

  r.get('/invite-result/:id', async (req, res) => {
    const answer = s.answers.get(idParam(req), res.locals.browserId);
    if (!answer) {
      // Not "took too long, nothing was shared": the sign-in may well have finished and been written.
      renderParticipantError(res, appError('invite_result_gone'));
      return;
    }
    if (answer.kind === 'refused') {
      renderParticipantError(res, answer.error);
      return;
    }
    // "Can now read your data" only once Snowflake's check read it as this person: until the cached access
    // of the account's previous connection runs out, Snowflake still reads the previous person's.
    const end = await s.answers.checkEnd(answer);
    const note = doneNote(answer.from, end);
    res.render('invite-done', {
      answer,
      shared,
      note: note?.toView() ?? null,
      // Still checking: the page loads itself again (a meta refresh: the participant's pages run no script).
      refreshSeconds: end ? null : CHECK_REFRESH_SECONDS,
      pageTitle: note ? 'Saved' : 'Done',
    });
  });

  return r;
}
