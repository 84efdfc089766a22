// The bot scopes Xiaoliu's Slack app manifest asks for, read with a real YAML parser (the fakes' default grant).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const MANIFEST = new URL('../../adapters/slack/manifest.yml', import.meta.url);

export function manifestBotScopes(): string[] {
  const manifest = parse(readFileSync(MANIFEST, 'utf8')) as { oauth_config: { scopes: { bot: string[] } } };
  return manifest.oauth_config.scopes.bot;
}
