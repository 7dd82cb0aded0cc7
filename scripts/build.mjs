// npm run build (and `prepare`, so `npm install` and `npm ci` run it): bundles the app into dist/ with
// esbuild, so that `npm start` loads one file instead of transpiling every start. Plain JavaScript: it must
// run before anything is built, without tsx.
//
// - One ES module, dist/main.js, with the app and its small dependencies; sandbox mode's code is a chunk
//   loaded only in sandbox mode (server/main.ts imports it with `await import()`).
// - Left out and loaded from node_modules when used: snowflake-sdk (heavy, lazy), @duckdb/node-api (native,
//   the stand-ins' tables) and pino-pretty (only for LOG_FORMAT=pretty).
// - `import.meta.url` in the sources still names the source file, so everything found next to the code
//   (views/, public/, sql/, the stand-in's python/) resolves in the project, as under tsx.
// - dist/build.json lists every input with its size and modification time: scripts/start.mjs rebuilds when
//   one changed.
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DIST = path.join(ROOT, 'dist');
export const MANIFEST = path.join(DIST, 'build.json');
/** Loaded from node_modules at run time, never bundled. */
const EXTERNAL = ['snowflake-sdk', '@duckdb/node-api', 'pino-pretty'];
/**
 * Express's data, loaded from node_modules at run time, where its own require finds it, rather than
 * parsed at every start: iconv-lite's code pages (half a megabyte; a form body is UTF-8) and mime-db's
 * types (read by JSON.parse when a static file is sent). About 20 ms of a 150 ms start.
 */
const FROM_NODE_MODULES = ['iconv-lite', 'mime-db'];
/** Besides the bundled files: what else decides what the bundle is. */
const ALSO = ['package.json', 'scripts/build.mjs'];

/** The inputs' fingerprints: a changed size or time means a rebuild. */
export function fingerprint(files) {
  return Object.fromEntries(
    files.map((f) => {
      try {
        const s = statSync(path.join(ROOT, f));
        return [f, [s.size, Math.round(s.mtimeMs)]];
      } catch {
        return [f, null];
      }
    }),
  );
}

/** The inputs that decide the bundle: the app's sources, and each bundled package's package.json. */
function inputsOf(metafile) {
  const files = new Set(ALSO);
  for (const input of Object.keys(metafile.inputs)) {
    const pkg = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    files.add(pkg ? `${pkg[1]}/package.json` : input);
  }
  return [...files].sort();
}

/** Rewrites import.meta.url (and dirname, filename) to the source file's own, relative to dist/. */
function sourceLocations() {
  return {
    name: 'source-locations',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        let contents = readFileSync(args.path, 'utf8');
        if (!args.path.includes(`${path.sep}node_modules${path.sep}`) && contents.includes('import.meta.')) {
          const rel = JSON.stringify(path.relative(DIST, args.path).split(path.sep).join('/'));
          const url = `new URL(${rel}, import.meta.url)`;
          contents = contents
            .replaceAll('import.meta.url', `${url}.href`)
            .replaceAll('import.meta.filename', `__fileURLToPath(${url})`)
            .replaceAll('import.meta.dirname', `__dirnameOf(__fileURLToPath(${url}))`);
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

/**
 * Classic zod, which only the sandbox's stand-ins use, is bundled from the package's own TypeScript sources
 * (its `@zod/source` export) so that it shares no file with the app's zod/mini: a file both reach (zod's core)
 * would go to a chunk every start loads, with all that classic zod uses of it (~500 KB instead of ~40 KB).
 */
/**
 * FROM_NODE_MODULES, each required by the path the bundled package would have resolved (relative to dist/),
 * so the version it declares is the one loaded even where npm nests another beside it.
 */
function fromNodeModules() {
  const filter = new RegExp(`^(${FROM_NODE_MODULES.join('|')})$`);
  return {
    name: 'from-node-modules',
    setup(b) {
      b.onResolve({ filter }, async (args) => {
        if (args.pluginData === 'resolving') return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'resolving',
        });
        if (found.errors.length) return { errors: found.errors };
        const rel = path.relative(DIST, found.path).split(path.sep).join('/');
        return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
      });
    },
  };
}

function classicZodApart() {
  return {
    name: 'classic-zod-apart',
    setup(b) {
      b.onResolve({ filter: /^zod$/ }, () => {
        const pkg = path.join(ROOT, 'node_modules/zod');
        const source = JSON.parse(readFileSync(path.join(pkg, 'package.json'), 'utf8')).exports?.['.']?.[
          '@zod/source'
        ];
        return source && existsSync(path.join(pkg, source)) ? { path: path.join(pkg, source) } : undefined;
      });
    },
  };
}

/** Builds dist/ (into a fresh folder, then swapped in). Returns how long it took. */
export async function build({ quiet = false } = {}) {
  const started = performance.now();
  const esbuild = await import('esbuild');
  const tmp = path.join(ROOT, `.dist-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: { main: 'server/main.ts' },
      outdir: tmp,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external: EXTERNAL,
      // Bundled CommonJS packages call require(); an ES module has none of its own.
      banner: {
        js: [
          "import { createRequire as __createRequire } from 'node:module';",
          "import { fileURLToPath as __fileURLToPath } from 'node:url';",
          "import { dirname as __dirnameOf } from 'node:path';",
          'const require = __createRequire(import.meta.url);',
        ].join(' '),
      },
      plugins: [fromNodeModules(), classicZodApart(), sourceLocations()],
      metafile: true,
      // Less to parse at every start; names are kept, so stack traces still name the functions.
      minifyWhitespace: true,
      minifySyntax: true,
      logLevel: quiet ? 'error' : 'warning',
    });
    const manifest = { builtBy: 'scripts/build.mjs', inputs: fingerprint(inputsOf(result.metafile)) };
    writeFileSync(path.join(tmp, 'build.json'), `${JSON.stringify(manifest, null, 1)}\n`);
    rmSync(DIST, { recursive: true, force: true });
    renameSync(tmp, DIST);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return performance.now() - started;
}

/** Why dist/ must be rebuilt, or null when it is up to date. */
export function staleness() {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(MANIFEST, 'utf8'));
  } catch {
    return existsSync(DIST) ? 'dist/ has no build.json' : 'there is no dist/ yet';
  }
  const now = fingerprint(Object.keys(manifest.inputs));
  for (const [file, was] of Object.entries(manifest.inputs)) {
    if (JSON.stringify(now[file]) !== JSON.stringify(was)) return `${file} changed`;
  }
  return null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const ms = await build();
    process.stdout.write(`dist/ built in ${Math.round(ms)} ms (npm start runs it)\n`);
  } catch (e) {
    // `npm install` must not fail over it: npm start then builds, or runs the sources with tsx.
    process.stderr.write(`dist/ was not built: ${e instanceof Error ? e.message : e}\n`);
    process.exitCode = process.argv.includes('--strict') ? 1 : 0;
  }
}
