import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { botScopesIn, manifestBotScopes } from './manifest-scopes.js';

describe('botScopesIn', () => {
  it('reads the same bot scopes from the manifest as a YAML parser', async () => {
    const text = readFileSync('adapters/slack/manifest.yml', 'utf8');
    const expected = (parse(text) as { oauth_config: { scopes: { bot: string[] } } }).oauth_config.scopes.bot;
    expect(expected.length).toBeGreaterThan(5);
    expect(await manifestBotScopes()).toEqual(expected);
  });

  it('stops at the end of the list and ignores comments and other lists', () => {
    const manifest = ['features:', '  bot:', '    - not-a-scope', 'oauth_config:', '  scopes:', '    bot:', '      - chat:write  # post', '      - commands', '    user:', '      - search:read', ''].join('\n');
    expect(botScopesIn(manifest)).toEqual(['chat:write', 'commands']);
  });
});
