// Errors of invite links: what the person who opened one (a participant, not an admin) is told, in words
// that need no knowledge of the app, and what the admin is told when making or revoking one. A participant
// never sees another catalog entry: their sign-in's failures are translated into these (invites/answers.ts).
import { entry, PROVIDER } from './entry.js';

const ASK_SENDER = 'Ask the person who sent you the link for a new one.';

export const inviteErrors = {
  invite_unknown: entry({
    group: 'accounts',
    when: 'An invite link that matches no invite: mistyped, cut short, or made by another copy of the app.',
    status: 404,
    title: 'This invite link does not work',
    why: 'The app knows no invite with this link. Links are long: a copy that lost its end, or a link from another invitation, does not match.',
    fix: `Open the link exactly as you received it (copy the whole address). If it still does not work: ${ASK_SENDER}`,
  }),
  invite_used: entry<{ usedAt: string }>({
    group: 'accounts',
    when: 'An invite link opened again after its sign-in wrote the token: each invite works once.',
    status: 410,
    title: 'This invite was already used',
    why: (p) =>
      `Someone connected their account with this link on ${p.usedAt}. An invite works once, so it cannot connect again.`,
    fix: `If that was you, you are done: nothing more to do. If it was not you, or you need to connect again: ${ASK_SENDER}`,
    examples: [{ params: { usedAt: '<when>' } }],
  }),
  invite_expired: entry<{ expiresAt: string }>({
    group: 'accounts',
    when: 'An invite link opened after it expired (INVITE_TTL_HOURS after it was made).',
    status: 410,
    title: 'This invite has expired',
    why: (p) =>
      `The invite was valid until ${p.expiresAt}. Invites expire so that an old link cannot be used.`,
    fix: ASK_SENDER,
    examples: [{ params: { expiresAt: '<when>' } }],
  }),
  invite_revoked: entry<{ revokedAt: string }>({
    group: 'accounts',
    when: 'An invite link opened (or its sign-in finished) after the admin revoked it.',
    status: 410,
    title: 'This invite was withdrawn',
    why: (p) =>
      `The person who sent it withdrew the invite on ${p.revokedAt}, so it connects nothing. Nothing of yours was shared through it.`,
    fix: `${ASK_SENDER} if you still mean to connect.`,
    examples: [{ params: { revokedAt: '<when>' } }],
  }),
  invite_not_ready: entry<{ from: string }>({
    group: 'accounts',
    when: 'A participant pressed Continue on an invite whose account is gone, or whose Snowflake objects are missing.',
    status: 409,
    title: 'This invite cannot be used yet',
    why: (p) =>
      `The place ${p.from} prepared for your data is not set up (or no longer there), so connecting now would share nothing. Nothing was shared.`,
    fix: (p) =>
      `Tell ${p.from}: their invites page shows which account the invite is for, and its Setup page the SQL it still needs. Then open this link again.`,
    examples: [{ params: { from: '<who is asking>' } }],
  }),
  invite_consent_denied: entry<{ provider: string }>({
    group: 'accounts',
    when: 'A participant chose Deny (or Cancel) on the provider’s consent screen.',
    status: 400,
    title: 'You did not allow access',
    why: (p) => `You chose not to allow access on the ${p.provider} page, so nothing was shared.`,
    fix: 'If you changed your mind, open the invite link again and choose Allow: it still works.',
    examples: [{ params: { provider: PROVIDER } }],
  }),
  invite_scope_missing: entry<{ provider: string }>({
    group: 'accounts',
    when: 'A participant unticked a permission on the provider’s consent screen.',
    status: 400,
    title: 'Some permissions were left out',
    why: (p) =>
      `On the ${p.provider} page some of the permissions were unticked. All of them are needed, so nothing was shared.`,
    fix: 'Open the invite link again and leave every permission ticked: it still works.',
    examples: [{ params: { provider: PROVIDER } }],
  }),
  invite_sign_in_expired: entry({
    group: 'accounts',
    when: 'A participant’s sign-in took longer than 10 minutes, was finished in another browser, or the app restarted meanwhile.',
    status: 400,
    title: 'This sign-in took too long',
    why: 'The sign-in must finish within 10 minutes, in the browser where you opened the invite. Nothing was shared.',
    fix: 'Open the invite link again, in this browser, and continue: it still works.',
  }),
  invite_result_gone: entry({
    group: 'accounts',
    when: 'A participant opened (or their page reloaded) the page of a sign-in’s outcome after the app forgot it: it keeps one for 30 minutes, and not across a restart.',
    status: 404,
    title: 'This page has expired',
    why: 'The app keeps the outcome of a sign-in for 30 minutes, and not after it restarts. Whatever that page said still holds: this one only cannot show it again.',
    fix: 'Open the invite link again: if your sign-in finished, it says when the link was used; if it did not, you can sign in with it now.',
  }),
  invite_sign_in_failed: entry<{ what: string }>({
    group: 'accounts',
    when: 'A participant’s sign-in failed for a reason on the app’s or the provider’s side (the admin sees the details).',
    status: 502,
    title: 'The connection did not complete',
    why: (p) => `Something went wrong on the app’s side: ${p.what}. Nothing was shared.`,
    fix: 'Tell the person who sent you the link: their invites page and the app’s history show what went wrong. Once they say it is fixed, open the link again: it still works.',
    examples: [{ params: { what: '<what failed, in a few words>' } }],
  }),
  invite_page_stale: entry({
    group: 'accounts',
    when: 'A participant pressed Continue on an invite page opened before the app restarted, or without the cookie the page was made for.',
    status: 403,
    title: 'This page is out of date',
    why: 'The page was opened before the app restarted, or this browser refused the app’s cookie, so the app cannot tell the button came from you. Nothing was shared.',
    fix: 'Open the invite link again (allow cookies for this site) and press Continue: the link still works.',
  }),
  invite_write_failed: entry<{ from: string; provider: string }>({
    group: 'accounts',
    when: 'A participant consented, but Snowflake refused the write: the token was disposed of at once (never held for a Retry the participant could not press).',
    status: 502,
    title: 'Your access could not be handed over',
    why: (p) =>
      `You signed in and allowed access, but ${p.from}’s Snowflake account did not accept it. The app did not keep it: the access it got was withdrawn at ${p.provider} straight away (or, where that was unsafe, forgotten).`,
    fix: (p) =>
      `${p.from} was told: their invites page shows the failure. Once they say it is fixed, open the link again: it still works.`,
    examples: [{ params: { from: '<who is asking>', provider: PROVIDER } }],
  }),
  invite_saved_cached_token: entry<{
    from: string;
    variant: 'previous_account' | 'previous_token';
    until: string | null;
  }>({
    group: 'accounts',
    when: 'A participant’s access was saved, but Snowflake’s check right after still ran on the short-lived access token it cached from the account’s previous connection (another person’s, or a withdrawn one): shown on the participant’s done page instead of “can now read your data”.',
    status: 200,
    title: (p) =>
      p.until
        ? `Saved: ${p.from} reads your data from ${p.until}`
        : `Saved: ${p.from} reads your data within about an hour`,
    why: (p) => {
      const until = p.until
        ? `until ${p.until}`
        : 'until it runs out (Snowflake did not say when; such access lasts about an hour)';
      return p.variant === 'previous_account'
        ? `Your access was saved in ${p.from}’s Snowflake account. That place was connected to someone else before, and Snowflake keeps using the short-lived access it got from that connection ${until}: a test right after saving still read their data, not yours. After that Snowflake switches to your access by itself.`
        : `Your access was saved in ${p.from}’s Snowflake account. Snowflake keeps using the short-lived access it got from that place’s previous connection, which no longer works, ${until}; after that it switches to your access by itself.`;
    },
    fix: (p) =>
      `Nothing more to do: you can close this tab. ${p.from} sees on their status page when the switch happened.`,
    examples: [
      {
        label: 'the account was connected as someone else before',
        params: { from: '<who is asking>', variant: 'previous_account', until: '<when>' },
      },
      {
        label: 'the previous connection no longer worked',
        params: { from: '<who is asking>', variant: 'previous_token', until: '<when>' },
      },
      {
        label: 'Snowflake did not say until when',
        params: { from: '<who is asking>', variant: 'previous_account', until: null },
      },
    ],
  }),
  invite_saved_unchecked: entry<{ from: string; variant: 'failed' | 'running' | 'ended' | 'superseded' }>({
    group: 'accounts',
    when: 'A participant’s access was saved, but the check right after did not show Snowflake reading their data: it failed, was still running when the page gave up waiting, was cut short by the app stopping, or another sign-in wrote the account right after.',
    status: 200,
    title: (p) => (p.variant === 'superseded' ? 'Saved, then replaced' : 'Saved, but not confirmed yet'),
    why: (p) => {
      const saved = `Your access was saved in ${p.from}’s Snowflake account`;
      switch (p.variant) {
        case 'failed':
          return `${saved}, but a test read through it right after did not succeed, so the app cannot say yet that ${p.from} can read your data.`;
        case 'running':
          return `${saved}. A test read through it is still running (Snowflake may be starting up), so the app cannot say yet that ${p.from} can read your data.`;
        case 'ended':
          return `${saved}, but the test read through it was cut short (the app was stopping), so the app cannot say yet that ${p.from} can read your data.`;
        default:
          return `${saved}, but another connection of the same place was saved right after it, so ${p.from} reads that one, not yours.`;
      }
    },
    fix: (p) =>
      p.variant === 'running'
        ? 'This page checks again by itself every few seconds and then shows the outcome. Nothing more to do on your side.'
        : `Nothing more to do on your side for now: ${p.from} sees what happened on their status page and will tell you if you need to open a new link.`,
    examples: [
      { label: 'the test read failed', params: { from: '<who is asking>', variant: 'failed' } },
      { label: 'the test read was still running', params: { from: '<who is asking>', variant: 'running' } },
      { label: 'the app stopped meanwhile', params: { from: '<who is asking>', variant: 'ended' } },
      {
        label: 'another sign-in wrote right after',
        params: { from: '<who is asking>', variant: 'superseded' },
      },
    ],
  }),
  invite_link_loopback: entry<{ origin: string; redirectUri: string }>({
    group: 'accounts',
    when: 'The invites page, when the invite link’s host is loopback (localhost, 127.0.0.1): the link opens only on this computer.',
    status: 200,
    title: 'This link works only on this computer',
    why: (p) =>
      `Invite links start with ${p.origin}, a loopback address: on anyone else’s computer it names their own computer, so the link opens nothing there.`,
    fix: (p) =>
      `To invite someone on another computer, run the app where they can reach it and set PUBLIC_URL to that address (e.g. PUBLIC_URL=https://connect.example.org), OAUTH_REDIRECT_URI to the same origin with /callback (registered with the provider; now ${p.redirectUri}) and ADMIN_TOKEN, then restart and make the invite again. See docs/invites.md, “Participants on other computers”.`,
    examples: [{ params: { origin: '<PUBLIC_URL origin>', redirectUri: '<redirect URI>' } }],
  }),
  invite_from_invalid: entry({
    group: 'accounts',
    when: 'An invite was made without saying who is asking.',
    status: 400,
    title: 'Say who is asking',
    why: 'The person who opens the invite sees this name first: it is how they know the request is genuine.',
    fix: 'Fill in “Who is asking” (1 to 80 characters), e.g. “Dr. Lee, sleep study”, and make the invite again.',
  }),
  invite_not_found: entry({
    group: 'accounts',
    when: 'The invites page was asked to revoke an invite it does not have.',
    status: 404,
    title: 'No such invite',
    why: 'The app has no invite with that id: the page was older than the invite list.',
    fix: 'Open the invites page (/invites) again and use its buttons.',
  }),
  invite_redirect_elsewhere: entry<{ redirectUri: string; publicOrigin: string }>({
    group: 'accounts',
    when: 'The invites page, when the redirect URI is not on PUBLIC_URL’s origin: participants elsewhere could not finish.',
    status: 409,
    title: 'Participants cannot come back to the app',
    why: (p) =>
      `Invite links open ${p.publicOrigin}, but after consent the provider sends the participant’s browser to ${p.redirectUri}, which their computer does not reach (and the sign-in cookie would not come along).`,
    fix: (p) =>
      `Set OAUTH_REDIRECT_URI to ${p.publicOrigin}/callback, register that exact URI with the provider, and restart.`,
    examples: [{ params: { redirectUri: '<redirect URI>', publicOrigin: '<PUBLIC_URL origin>' } }],
  }),
};
