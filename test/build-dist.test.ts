import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// `npm run build` (run by vitest's globalSetup before any test): tsc compiles src/ and adapters/ to dist/, then
// src/ops/sync-assets.mjs puts beside the JavaScript every file the code reads relative to its own module.

const SYNC = resolve('src/ops/sync-assets.mjs');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('npm run build', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'xiaoliu-build-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('compiles every module and copies every other file of src/, adapters/ and migrations/ into dist/', () => {
    const sources = ['src', 'adapters', 'migrations'].flatMap(filesUnder);
    const modules = sources.filter((file) => file.endsWith('.ts') && !/\.(test|d)\.ts$/.test(file));
    const assets = sources.filter((file) => !file.endsWith('.ts'));
    // The kinds the code reads today (Lua, the web console, the Slack manifest, SQL): new ones need no build change.
    expect(assets).toEqual(expect.arrayContaining(['src/rate/take-slot.lua', 'adapters/http/console/index.html', 'adapters/slack/manifest.yml', 'migrations/meta/_journal.json']));
    for (const file of modules) expect(existsSync(`dist/${file.replace(/\.ts$/, '.js')}`), file).toBe(true);
    for (const file of assets) expect(readFileSync(`dist/${file}`).equals(readFileSync(file)), file).toBe(true);
    expect(existsSync('dist/src/main.test.js')).toBe(false);
  });

  it('removes from dist/ what a deleted or renamed source left behind, and keeps the rest', () => {
    const write = (path: string, text = '') => {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    };
    write('src/kept.ts');
    write('dist/src/kept.js');
    write('dist/src/kept.js.map');
    write('src/queue/new.lua', 'return 1');
    write('adapters/web/page.js', 'console.log(1)');
    write('migrations/0000_init.sql', 'create table t ();');
    write('dist/src/renamed.js');
    write('dist/src/renamed.js.map');
    write('dist/src/queue/old.lua');
    write('dist/migrations/0009_gone.sql');

    const printed = execFileSync(process.execPath, [SYNC], { cwd: scratch, encoding: 'utf8' });

    const dist = filesUnder(join(scratch, 'dist')).map((file) => file.slice(scratch.length + 1)).sort();
    expect(dist).toEqual([
      'dist/adapters/web/page.js',
      'dist/migrations/0000_init.sql',
      'dist/src/kept.js',
      'dist/src/kept.js.map',
      'dist/src/queue/new.lua',
    ]);
    expect(readFileSync(join(scratch, 'dist/src/queue/new.lua'), 'utf8')).toBe('return 1');
    expect(printed).toContain('removed 4 file(s)');
  });
});
