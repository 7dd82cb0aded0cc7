// Live mode must not load the stand-ins: no module statically reachable from the app's entry point may
// live under sandbox/. Sandbox mode reaches them only through `await import(…)`, which this walk skips,
// as it skips `import type` / `export type` (erased before the code runs).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SANDBOX_DIR = path.join(ROOT, 'sandbox') + path.sep;

// `import … from '…'` and `export … from '…'` at the start of a statement; the clause may span lines.
const FROM = /(?:^|[;\n])\s*(?:import|export)\s+([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g;
// `import '…'`: loaded for its side effects.
const BARE = /(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g;

/** The specifiers a module loads when it is evaluated (type-only imports and dynamic imports excluded). */
function staticImports(source: string): string[] {
  const specs: string[] = [];
  for (const m of source.matchAll(FROM)) if (!/^type\s/.test(m[1]!)) specs.push(m[2]!);
  for (const m of source.matchAll(BARE)) specs.push(m[1]!);
  return specs;
}

function resolveLocal(from: string, spec: string): string {
  const target = path.resolve(path.dirname(from), spec);
  // TypeScript sources are imported by their emitted name (NodeNext): './x.js' is ./x.ts on disk.
  const candidates = [target.replace(/\.js$/, '.ts').replace(/\.mjs$/, '.mts'), target];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`${path.relative(ROOT, from)} imports '${spec}', which is not on disk`);
  return found;
}

/** Every local module statically reachable from `entry`, with the chain that reaches each one. */
function staticGraph(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
    if (!/\.[cm]?[jt]s$/.test(file)) continue; // JSON and other assets import nothing
    for (const spec of staticImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue; // node: builtins and packages
      const dep = resolveLocal(file, spec);
      if (chains.has(dep)) continue;
      chains.set(dep, [...chains.get(file)!, dep]);
      queue.push(dep);
    }
  }
  return chains;
}

function sandboxModulesReachedFrom(entry: string): string[] {
  const graph = staticGraph(path.join(ROOT, entry));
  return [...graph.entries()]
    .filter(([file]) => file.startsWith(SANDBOX_DIR))
    .map(([, chain]) => chain.map((f) => path.relative(ROOT, f)).join(' → '));
}

describe('the sandbox fence', () => {
  it('reads static imports and skips type-only and dynamic ones', () => {
    const src = [
      "import { a } from './a.js';",
      'import {',
      '  b,',
      '  type B,',
      "} from './b.js';",
      "import type { C } from './c.js';",
      "export type { D } from './d.js';",
      "export * from './e.js';",
      "import './f.js';",
      "const g = await import('./g.js');",
      "// import { h } from './h.js';",
      "import { type I } from './i.js';",
    ].join('\n');
    expect(staticImports(src).sort()).toEqual(['./a.js', './b.js', './e.js', './f.js', './i.js']);
  });

  it('the walk finds the stand-ins where they are imported statically (it is not vacuous)', () => {
    expect(sandboxModulesReachedFrom('sandbox/cli.ts').length).toBeGreaterThan(20);
    const app = staticGraph(path.join(ROOT, 'server/main.ts'));
    expect(app.has(path.join(ROOT, 'server/app.ts'))).toBe(true);
    expect(app.size).toBeGreaterThan(20);
  });

  it('live mode: nothing statically reachable from server/main.ts is under sandbox/', () => {
    expect(sandboxModulesReachedFrom('server/main.ts')).toEqual([]);
  });

  it('sandbox mode loads the stand-ins only when it starts (server/sandbox-mode.ts imports them lazily)', () => {
    expect(sandboxModulesReachedFrom('server/sandbox-mode.ts')).toEqual([]);
    expect(readFileSync(path.join(ROOT, 'server/sandbox-mode.ts'), 'utf8')).toContain(
      "await import('../sandbox/index.js')",
    );
  });
});
