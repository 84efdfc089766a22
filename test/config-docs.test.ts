import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Every variable readConfig reads, found in its source, so a new setting cannot go undocumented.
const source = readFileSync('src/config/read-config.ts', 'utf8');
const variables = [
  ...new Set([...source.matchAll(/\(env, '([A-Z_]+)'/g, ), ...source.matchAll(/env\.([A-Z_]+)/g)].map((m) => m[1]!)),
];

describe('configuration docs', () => {
  it('finds the variables readConfig reads', () => {
    expect(variables).toEqual(expect.arrayContaining(['DATABASE_URL', 'REDIS_URL', 'ANTHROPIC_API_KEY', 'PORT', 'LOG_LEVEL']));
  });

  it.each(['.env.example', 'README.md'])('%s documents every variable', (file) => {
    const text = readFileSync(file, 'utf8');
    const missing = variables.filter((name) => !text.includes(name));
    expect(missing).toEqual([]);
  });
});
