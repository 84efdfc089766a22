import { readFile } from 'node:fs/promises';

const MANIFEST = new URL('../../../adapters/slack/manifest.yml', import.meta.url);

/**
 * The bot scopes of the Slack app manifest (`oauth_config.scopes.bot`). A YAML library is a development dependency
 * only, and this one list in a file the project writes itself needs none: the items below `bot:`, comments dropped.
 */
export function botScopesIn(manifest: string): string[] {
  const oauth = manifest.slice(Math.max(0, manifest.search(/^oauth_config:/m)));
  const list = /^\s+bot:[^\n]*\n((?:[ \t]*-[ \t]+[^\n]*\n?)+)/m.exec(oauth)?.[1] ?? '';
  return [...list.matchAll(/^[ \t]*-[ \t]+([^\s#]+)/gm)].map((m) => m[1]!);
}

/** The scopes adapters/slack/manifest.yml asks for. */
export async function manifestBotScopes(): Promise<string[]> {
  return botScopesIn(await readFile(MANIFEST, 'utf8'));
}
