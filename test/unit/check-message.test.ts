import { describe, expect, it } from 'vitest';
import { classifyCheckMessage, essentialMessage } from '../../server/snowflake/check-function.js';

const traceback = (exceptionLine: string) =>
  [
    'Python Interpreter Error:',
    'Traceback (most recent call last):',
    '  File "_udf_code.py", line 40, in main',
    '    raise RuntimeError(msg)',
    exceptionLine,
    ' in function FITBIT_CONNECTION_CHECK with handler main',
  ].join('\n');

describe('essentialMessage', () => {
  it('keeps the handlers’ tagged line, without the traceback around it', () => {
    const m = traceback(
      'RuntimeError: FITBIT_CONNECT_ERROR[token_revoked]: the refresh token in secret FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN was revoked or expired',
    );
    const e = essentialMessage(m);
    expect(e).toBe(
      'FITBIT_CONNECT_ERROR[token_revoked]: the refresh token in secret FITBIT.PUBLIC.FITBIT_OAUTH_TOKEN was revoked or expired',
    );
    expect(e).not.toMatch(/Traceback|File "/);
    expect(classifyCheckMessage(m)).toBe('token_revoked');
  });

  it('takes the exception line of an untagged Python error', () => {
    expect(essentialMessage(traceback('ValueError: bad things'))).toBe('ValueError: bad things');
  });

  it('leaves other messages alone', () => {
    expect(essentialMessage('SQL compilation error:\nUnknown user-defined function X.')).toBe(
      'SQL compilation error:\nUnknown user-defined function X.',
    );
  });
});
