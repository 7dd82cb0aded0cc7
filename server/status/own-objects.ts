// The status rows about an account's own objects: what its SQL on the Setup page creates (its secret, the
// integration allowing it, its check function reading it). Until they are all there, it is not offered Connect.
export const OWN_OBJECTS: ReadonlySet<string> = new Set(['secret', 'check_function', 'eai_secret']);
