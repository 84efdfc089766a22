/** Names for the ids a Discord message's markup refers to; what is not known is written generically. */
export interface MentionNames {
  /** Xiaoliu's own user id: its mentions are the summons, not part of the question. */
  botId: string;
  /** The bot's managed role, which people pick from the autocomplete by mistake; treated like the bot itself. */
  botRoleId?: string;
  users: ReadonlyMap<string, string>;
  roles: ReadonlyMap<string, string>;
  channels: ReadonlyMap<string, string>;
}

// Discord's thread names are 1 to 100 characters.
const THREAD_NAME_MAX = 100;
const DEFAULT_THREAD_NAME = 'Question for Xiaoliu';

/**
 * Discord markup → the plain Markdown the model reads. Discord's Markdown is close to CommonMark, so only the
 * `<…>` tokens need work: Xiaoliu's own mention is dropped, other people, roles and channels become readable names,
 * custom emoji their `:name:`, timestamps an ISO time, command mentions `/name`.
 */
export function fromDiscordText(content: string, names: MentionNames): string {
  const isBot = (id: string) => id === names.botId;
  return content
    .replace(/<@!?(\d+)>/g, (_, id: string) => (isBot(id) ? '' : `@${names.users.get(id) ?? 'someone'}`))
    .replace(/<@&(\d+)>/g, (_, id: string) => (id === names.botRoleId ? '' : `@${names.roles.get(id) ?? 'role'}`))
    .replace(/<#(\d+)>/g, (_, id: string) => `#${names.channels.get(id) ?? 'channel'}`)
    .replace(/<a?:(\w+):\d+>/g, ':$1:')
    .replace(/<t:(-?\d+)(?::[tTdDfFR])?>/g, (_, seconds: string) => new Date(Number(seconds) * 1000).toISOString())
    .replace(/<\/([\w -]+):\d+>/g, '/$1')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** Whether a message's raw content summons Xiaoliu: its user mention, or its managed role picked by mistake. */
export function summonsBot(content: string, botId: string, botRoleId?: string): boolean {
  if (new RegExp(`<@!?${botId}>`).test(content)) return true;
  return botRoleId !== undefined && content.includes(`<@&${botRoleId}>`);
}

/** A thread name from the question: its first line (heading and quote markers dropped), within 100 characters. */
export function threadName(question: string): string {
  const line = question
    .split('\n')
    .map((l) => l.replace(/^[\s#>-]+/, '').replace(/\s+/g, ' ').trim())
    .find((l) => l.length > 0);
  if (!line) return DEFAULT_THREAD_NAME;
  const chars = [...line];
  return chars.length <= THREAD_NAME_MAX ? line : `${chars.slice(0, THREAD_NAME_MAX - 1).join('').trimEnd()}…`;
}
