// The second half of `npm run build` (after tsc): makes dist/ hold, beside the compiled JavaScript, every file of src/,
// adapters/ and migrations/ that tsc does not compile (Lua scripts, the web console, the Slack manifest, the SQL
// migrations), because the code reads them relative to its own module (`new URL('./take-slot.lua', import.meta.url)`,
// `new URL('../../migrations', import.meta.url)`). Any such file is copied, so a new asset needs no build change.
// It also deletes what dist/ holds for a source that no longer exists: a renamed or deleted module must not keep
// running from an old build.
// Plain JavaScript on purpose: it runs before anything is compiled, on Node 20 and 24 alike.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';

const OUT = 'dist';
const ROOTS = ['src', 'adapters', 'migrations'];
/** What tsc reads (a .js and a .js.map per module; nothing for a .d.ts); every other file is an asset. */
const COMPILED = /\.ts$/;

/** Every file under `dir`, as a path relative to the repository root; none if the folder does not exist. */
function filesUnder(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

let assets = 0;
for (const source of ROOTS.flatMap(filesUnder)) {
  if (COMPILED.test(source)) continue;
  assets++;
  const target = join(OUT, source);
  // Unchanged files are left alone: a process starting from dist/ meanwhile never reads a half-written copy.
  if (existsSync(target) && readFileSync(target).equals(readFileSync(source))) continue;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}

let removed = 0;
for (const output of ROOTS.flatMap((root) => filesUnder(join(OUT, root)))) {
  const source = output.slice(OUT.length + 1);
  const compiledFrom = source.replace(/\.js(\.map)?$/, '.ts');
  const stillThere = (!COMPILED.test(source) && existsSync(source)) || (compiledFrom !== source && existsSync(compiledFrom));
  if (stillThere) continue;
  rmSync(output);
  removed++;
}

if (removed) console.log(`build: removed ${removed} file(s) from ${OUT}/ whose source is gone`);
if (!assets) throw new Error(`build: no assets found under ${ROOTS.join(', ')}: run it from the repository root`);
