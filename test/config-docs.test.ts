import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ADAPTERS } from '../adapters/registry.js';
import { readConfig } from '../src/config/read-config.js';

// Every variable a config reader reads, found in its source, so a new setting cannot go undocumented: the core's
// readers (src/config/read-*.ts) and each registered platform's own (adapters/<name>/<name>-config.ts).
const coreReaders = readdirSync('src/config').filter((f) => /^read-.*(?<!\.test)\.ts$/.test(f)).map((f) => `src/config/${f}`);
const readers = [...coreReaders, ...ADAPTERS.map((a) => `adapters/${a.platform}/${a.platform}-config.ts`)];
const variables = [
  ...new Set(
    readers.flatMap((file) => {
      const source = readFileSync(file, 'utf8');
      return [...source.matchAll(/\(env, '([A-Z_]+)'/g), ...source.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]!);
    }),
  ),
];

describe('configuration docs', () => {
  it('finds the variables readConfig and every adapter read', () => {
    expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'ANTHROPIC_API_KEY', 'PORT', 'LOG_LEVEL']));
    expect(variables).toEqual(expect.arrayContaining(['REDIS_SENTINELS', 'REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_PASSWORD', 'REDIS_REPLICA_WAIT_MS']));
    expect(variables).toEqual(expect.arrayContaining(['SLACK_BOT_TOKEN', 'DISCORD_TOKEN', 'HTTP_API', 'SHELL_EDIT_INTERVAL_MS', 'ALLOWED_DISCORD_GUILDS']));
  });

  it('sees every variable a reader names in its errors: a malformed value of each is refused by name', () => {
    // The readers' own error messages name the variable; a variable this test missed would slip past the docs check.
    for (const name of ['SLACK_REPLY_MODE', 'DISCORD_REPLY_MODE', 'HTTP_MAX_BODY_BYTES', 'SHELL_EDIT_INTERVAL_MS']) {
      expect(() => readConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', DISCORD_TOKEN: 'a.b.c', [name]: '-1' })).toThrow(name);
      expect(variables).toContain(name);
    }
  });

  it.each(['.env.example', 'README.md'])('%s documents every variable', (file) => {
    const text = readFileSync(file, 'utf8');
    const missing = variables.filter((name) => !text.includes(name));
    expect(missing).toEqual([]);
  });
});
