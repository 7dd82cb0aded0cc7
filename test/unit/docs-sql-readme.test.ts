// sql/README.md's variables table against the scripts themselves: every variable each script takes is
// listed, with the default the script writes (or "required" when it has none), and nothing else is.
import { describe, expect, it } from 'vitest';
import { type ScriptName, scriptNames, scriptVariables } from '../../server/setup/templates.js';
import { readDoc, tables } from './docs-markdown.js';

const DOC = 'sql/README.md';
const code = (cell: string) => /^`(.*)`$/.exec(cell)?.[1];

/** script → variable → default (undefined: required), as the README's table says. */
function documented(): Map<string, Map<string, string | undefined>> {
  const table = tables(readDoc(DOC)).find((t) => t.header[0] === 'variable');
  if (!table) throw new Error(`${DOC} has no table headed "variable"`);
  const out = new Map<string, Map<string, string | undefined>>();
  for (const script of scriptNames()) {
    const col = table.header.indexOf(script);
    if (col < 0) throw new Error(`${DOC}: the variables table has no column for ${script}`);
    const vars = new Map<string, string | undefined>();
    for (const { cells, line } of table.rows) {
      const name = code(cells[0] ?? '');
      const cell = cells[col] ?? '';
      if (!name) throw new Error(`${DOC}:${line}: the variable's name is not in backticks`);
      if (cell === '—') continue;
      if (cell === 'required') vars.set(name, undefined);
      else if (code(cell) !== undefined) vars.set(name, code(cell));
      else throw new Error(`${DOC}:${line}: "${cell}" is not a \`default\`, required or —`);
    }
    out.set(script, vars);
  }
  return out;
}

describe(`${DOC}: the variables table`, () => {
  const table = documented();
  it.each(scriptNames())('lists exactly the variables of %s, with their defaults', (script: ScriptName) => {
    const actual = Object.fromEntries(scriptVariables(script).map((v) => [v.name, v.default ?? 'required']));
    const listed = Object.fromEntries([...table.get(script)!].map(([k, v]) => [k, v ?? 'required']));
    expect(listed).toEqual(actual);
  });
});
