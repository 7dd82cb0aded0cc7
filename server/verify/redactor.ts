// Every value this run must never print: the client secret, the administrator's credentials and each token
// it obtains, added as they appear. The report and the progress lines pass through scrub() on their way
// out; messages from Snowflake or the provider also pass through upstream(), which hides token-shaped runs
// and SQL secret literals the run never saw.
import { scrubSqlSecrets, scrubTokens } from '../security/redaction.js';

/** Shorter values are words, not secrets (the stand-in's documented password is "sandbox"). */
const MIN_LENGTH = 8;

export class Redactor {
  private readonly values = new Set<string>();

  add(value: string | undefined): void {
    if (value && value.length >= MIN_LENGTH) this.values.add(value);
  }

  /** Text with every known secret value replaced by `***`. */
  scrub(text: string): string {
    let out = text;
    // Longest first, so a secret containing another is replaced whole.
    for (const v of [...this.values].sort((a, b) => b.length - a.length)) out = out.split(v).join('***');
    return out;
  }

  /** An upstream message (Snowflake's, the provider's): known values, token-shaped runs and SQL literals. */
  upstream(text: string): string {
    return scrubTokens(scrubSqlSecrets(this.scrub(text)));
  }
}
