// DuckDB's errors → Snowflake's codes and wording for the cases a caller tells apart (an unknown column, a
// value that does not convert, a NULL in a NOT NULL column, an unknown function); anything else keeps
// DuckDB's message under a Snowflake compilation or execution error code, marked as the sandbox's.
import { SqlError } from '../contract.js';
import type { Token } from '../lexer.js';

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/** Snowflake's "invalid identifier", at the first place the statement names it. */
function invalidIdentifier(name: string, tokens: Token[]): SqlError {
  const at = tokens.find((t) => (t.kind === 'ident' || t.kind === 'qident') && t.value === name);
  const where = at ? `error line ${at.line} at position ${at.col}` : 'error line 0 at position 0';
  return new SqlError('000904', '42000', `SQL compilation error: ${where}\ninvalid identifier '${name}'`);
}

/** A DuckDB error as Snowflake would report it; `tokens` (the statement's) place an invalid identifier. */
export function fromDuckError(err: unknown, tokens: Token[] = []): SqlError {
  if (err instanceof SqlError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const line = firstLine(message);
  let m =
    /^Binder Error: (?:Referenced column|Column|Values list) "([^"]+)" (?:not found|does not exist)/.exec(
      line,
    );
  if (m) return invalidIdentifier(m[1]!, tokens);
  m = /^Binder Error: Table "([^"]+)" does not have a column named "([^"]+)"/.exec(line);
  if (m) return invalidIdentifier(m[2]!, tokens);
  m = /^Catalog Error: (?:Scalar |Aggregate |Table )?Function with name "?([^"\s!]+)"? does not exist/i.exec(
    line,
  );
  if (m)
    return new SqlError('002140', '42601', `SQL compilation error:\nUnknown function ${m[1]!.toUpperCase()}`);
  m = /^Constraint Error: NOT NULL constraint failed: [^.]+\.(.+)$/.exec(line);
  if (m) return new SqlError('100072', '22000', `NULL result in a non-nullable column ${m[1]}`);
  m = /^Conversion Error: .*?(?:date|Date).*?"([^"]*)"/.exec(line);
  if (m && /date/i.test(line) && !/timestamp/i.test(line)) {
    return new SqlError('100040', '22007', `Date '${m[1]}' is not recognized`);
  }
  m = /^Conversion Error: .*?timestamp.*?"([^"]*)"/i.exec(line);
  if (m) return new SqlError('100035', '22007', `Timestamp '${m[1]}' is not recognized`);
  m = /^Conversion Error: Could not convert string "([^"]*)" to (?:DECIMAL|INT|BIGINT|DOUBLE|HUGEINT)/.exec(
    line,
  );
  if (m) return new SqlError('100038', '22018', `Numeric value '${m[1]}' is not recognized`);
  if (/^Conversion Error: Could not convert string "[^"]*" to BOOL/.test(line)) {
    const v = /"([^"]*)"/.exec(line)?.[1] ?? '';
    return new SqlError('100037', '22018', `Boolean value '${v}' is not recognized`);
  }
  if (/^Invalid Input Error: Malformed JSON|^Conversion Error: Malformed JSON/.test(line)) {
    return new SqlError('100069', '22P02', `Error parsing JSON: ${line.replace(/^[^:]+: /, '')}`);
  }
  m = /^Binder Error: Macro (sf_\w+)\(\) has multiple overloads/.exec(line);
  if (m) {
    return new SqlError(
      '001003',
      '42000',
      'SQL compilation error:\nthe sandbox cannot tell the type of an aggregate given to DATEADD or TO_CHAR here; cast it, e.g. DATEADD(day, 1, MAX(day)::DATE).',
    );
  }
  if (/^(Parser|Binder|Catalog) Error/.test(line)) {
    return new SqlError('001003', '42000', `SQL compilation error:\n${line} (in the sandbox's DuckDB)`);
  }
  return new SqlError('100000', '22000', `${line} (in the sandbox's DuckDB)`);
}
