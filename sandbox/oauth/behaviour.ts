// The switches for what Google does where its documentation is silent or its rollout uneven. Each
// defaults to the cautious answer; sandbox/README.md ("Switches") says why.
import { z } from 'zod';

export const OAuthBehaviourInput = z
  .object({
    /**
     * Whether every authorization response (success and error) carries iss=<issuer>. Google sends it
     * (rolled out per user) without advertising authorization_response_iss_parameter_supported.
     */
    issOnAuthResponse: z.boolean(),
    /**
     * What dailyRollUp answers for a window without data (a day the device was not worn): a point with its
     * civil times and no value, or no point at all. Google's reference says rollupDataPoints holds "values
     * for each aggregation time window" and does not say what an empty window looks like.
     */
    rollupEmptyWindows: z.enum(['point', 'omitted']),
  })
  .strict();

export type OAuthBehaviour = z.infer<typeof OAuthBehaviourInput>;

export const OAuthBehaviourChange = OAuthBehaviourInput.partial();
export type OAuthBehaviourChange = z.infer<typeof OAuthBehaviourChange>;

export const OAUTH_BEHAVIOUR_DEFAULTS: Readonly<OAuthBehaviour> = Object.freeze({
  issOnAuthResponse: true,
  rollupEmptyWindows: 'point',
});

/** For the control index: each switch, its values (default first) and what it decides. */
export const OAUTH_SWITCHES: Record<keyof OAuthBehaviour, string> = {
  issOnAuthResponse:
    'true (default) | false: every Google authorization response (code or error) carries iss=<this server>',
  rollupEmptyWindows:
    "'point' (default) | 'omitted': a dailyRollUp window without data is a point with no value, or left out",
};

/** The start options' switches over the defaults; an invalid value throws. */
export function initialOAuthBehaviour(given: OAuthBehaviourChange = {}): OAuthBehaviour {
  const picked = Object.fromEntries(
    Object.keys(OAUTH_BEHAVIOUR_DEFAULTS).flatMap((k) => {
      const v = (given as Record<string, unknown>)[k];
      return v === undefined ? [] : [[k, v]];
    }),
  );
  return OAuthBehaviourInput.parse({ ...OAUTH_BEHAVIOUR_DEFAULTS, ...picked });
}
