// Building SQL text safely. Snowflake's DDL for secrets takes no bind variables we can rely on, so the
// refresh token goes in as a string literal: every value is encoded by Snowflake's literal rules, and
// values no provider would ever issue are refused before any SQL exists.

const UNQUOTED_PART = /^[A-Za-z_][A-Za-z0-9_$]*$/;
/** Characters any of our providers use in tokens (base64url, '/', '.', '~', '+', '='; Google's `1//0g…`). */
const TOKEN_CHARS = /^[A-Za-z0-9._~+/=-]+$/;

export class SqlValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlValueError';
  }
}

/** A parsed, fully qualified object name: each part as Snowflake stores it (unquoted parts upper-cased). */
export interface QualifiedName {
  parts: string[];
  /** SQL text that names the object exactly, e.g. `FITBIT.PUBLIC."My Secret"`. */
  sql: string;
  /** The name as Snowflake displays it, e.g. `FITBIT.PUBLIC.My Secret`. */
  display: string;
}

/** Quotes one identifier part only when needed; a part that needs no quotes is written upper-case. */
export function quoteIdentifierPart(part: string): string {
  if (part.length === 0) throw new SqlValueError('An identifier part cannot be empty.');
  if (part.includes('\0')) throw new SqlValueError('An identifier cannot contain a NUL character.');
  if (UNQUOTED_PART.test(part) && part === part.toUpperCase()) return part;
  return `"${part.replace(/"/g, '""')}"`;
}

/** SQL text for a name as Snowflake printed it (parts joined by dots, each as stored). */
export function nameSql(printed: string): string {
  return printed
    .split('.')
    .map((p) => quoteIdentifierPart(p.replace(/^"|"$/g, '')))
    .join('.');
}

/**
 * Parses `DB.SCHEMA.NAME` with Snowflake's rules: unquoted parts fold to upper case, quoted parts keep
 * their case and use `""` for a quote. `minParts` lets callers demand a fully qualified name.
 */
export function parseQualifiedName(input: string, minParts = 3): QualifiedName {
  const text = input.trim();
  const parts: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SqlValueError(`Unterminated quoted identifier in "${input}".`);
        const ch = text[i]!;
        if (ch === '"') {
          if (text[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += ch;
        i++;
      }
      if (value.length === 0) throw new SqlValueError(`Empty quoted identifier in "${input}".`);
      parts.push(value);
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(text.slice(i));
      if (!m)
        throw new SqlValueError(`"${input}" is not a valid Snowflake name (expected DATABASE.SCHEMA.NAME).`);
      parts.push(m[0].toUpperCase());
      i += m[0].length;
    }
    if (i === text.length) break;
    if (text[i] !== '.') throw new SqlValueError(`Unexpected "${text[i]}" in "${input}".`);
    i++;
    if (i === text.length) throw new SqlValueError(`"${input}" ends with a dot.`);
  }
  if (parts.length < minParts || parts.length > 3) {
    throw new SqlValueError(
      minParts === 3
        ? `"${input}" must be fully qualified: DATABASE.SCHEMA.NAME.`
        : `"${input}" must have between ${minParts} and 3 parts.`,
    );
  }
  for (const p of parts)
    if (p.includes('\0')) throw new SqlValueError('A name cannot contain a NUL character.');
  return { parts, sql: parts.map(quoteIdentifierPart).join('.'), display: parts.join('.') };
}

/**
 * Snowflake string literal: backslashes first (Snowflake interprets backslash escapes inside '…'),
 * then quotes doubled. NUL is refused: Snowflake strings cannot carry it faithfully.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new SqlValueError('A string value cannot contain a NUL character.');
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** Refuses anything that is not shaped like a token a provider issues, before it gets near SQL. */
export function assertTokenShape(token: string): void {
  if (token.length < 8 || token.length > 4096 || !TOKEN_CHARS.test(token)) {
    throw new SqlValueError(
      'The refresh token has characters no supported provider issues; it was not written.',
    );
  }
}

/** `YYYY-MM-DD HH:MI:SS` in UTC, the format OAUTH_REFRESH_TOKEN_EXPIRY_TIME takes. */
export function snowflakeUtcTimestamp(d: Date): string {
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** The one statement that hands a refresh token to Snowflake. */
export function alterSecretSql(secret: QualifiedName, refreshToken: string, expiresAt?: Date): string {
  assertTokenShape(refreshToken);
  let sql = `ALTER SECRET ${secret.sql} SET OAUTH_REFRESH_TOKEN = ${quoteLiteral(refreshToken)}`;
  if (expiresAt)
    sql += ` OAUTH_REFRESH_TOKEN_EXPIRY_TIME = ${quoteLiteral(snowflakeUtcTimestamp(expiresAt))}`;
  return sql;
}
