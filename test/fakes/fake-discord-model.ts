// The fake Discord's world: users, guilds, channels, threads and messages, with the lookups routes need.
import { randomBytes } from 'node:crypto';
import {
  ChannelType,
  MessageType,
  type APIGuildMember,
  type APIMessage,
  type APIRole,
  type APIUser,
  type UserFlags,
} from 'discord.js';

// Discord's epoch (2015-01-01). Ids are `(ms since epoch) << 22 | worker/process/increment`; @discordjs/rest reads
// the timestamp back (e.g. to pick the "delete old message" bucket) and only buckets ids of 17–19 digits.
const DISCORD_EPOCH = 1_420_070_400_000n;
let lastStamp = 0n;
let increment = 0n;

/** A realistic, strictly increasing snowflake for "now". */
export function snowflake(at: number = Date.now()): string {
  let stamp = BigInt(at) - DISCORD_EPOCH;
  if (stamp < lastStamp) stamp = lastStamp; // clock went back: stay monotonic
  if (stamp === lastStamp) {
    increment++;
    if (increment > 0xfffn) {
      stamp++; // 4096 ids in one ms: borrow the next millisecond
      increment = 0n;
    }
  } else increment = 0n;
  lastStamp = stamp;
  return ((stamp << 22n) | (1n << 17n) | increment).toString();
}

export const randomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Gateway intent bits the fake cares about (discord-api-types GatewayIntentBits). */
export const Intent = {
  Guilds: 1 << 0,
  GuildMembers: 1 << 1,
  GuildPresences: 1 << 8,
  GuildMessages: 1 << 9,
  DirectMessages: 1 << 12,
  MessageContent: 1 << 15,
} as const;
export const PRIVILEGED_INTENTS = Intent.GuildMembers | Intent.GuildPresences | Intent.MessageContent;

const P = (bit: number) => 1n << BigInt(bit);
/** What a typical chat bot is granted: view, send, threads, embeds, files, history, reactions, slash commands. */
export const BOT_PERMISSIONS = (
  P(6) | P(10) | P(11) | P(13) | P(14) | P(15) | P(16) | P(18) | P(31) | P(34) | P(35) | P(36) | P(38)
).toString();
/** @everyone in a fresh server: view, send, history, reactions, embeds, files, slash commands, threads. */
export const EVERYONE_PERMISSIONS = (P(6) | P(10) | P(11) | P(14) | P(15) | P(16) | P(31) | P(35) | P(36) | P(38)).toString();

export interface FakeUserInput {
  id?: string;
  username: string;
  global_name?: string | null;
  bot?: boolean;
}

export function apiUser(u: FakeUserInput & { id: string }): APIUser {
  return {
    id: u.id,
    username: u.username,
    global_name: u.global_name ?? null,
    discriminator: '0',
    avatar: null,
    ...(u.bot ? { bot: true } : {}),
    // Bit-flag enums have no 0 member; 0 is "no flags".
    flags: 0 as UserFlags,
    public_flags: 0 as UserFlags,
  };
}

export interface GuildRecord {
  id: string;
  name: string;
  ownerId: string;
  joinedAt: string;
  roles: APIRole[];
  /** Member data without the user; `user` is looked up in the user table when serving. */
  members: Map<string, { joined_at: string; roles: string[] }>;
}

/** Channels are kept as the loose JSON Discord serves; builders below give each kind its real shape. */
export type ChannelRecord = Record<string, unknown> & { id: string; type: number; guild_id?: string };

export interface ReceivedFile {
  field: string;
  name: string;
  contentType: string;
  data: Buffer;
}

export interface StoredMessage {
  message: APIMessage & Record<string, unknown>;
  allowedMentions?: unknown;
  files: ReceivedFile[];
  editCount: number;
  deleted: boolean;
}

export const THREAD_TYPES: readonly number[] = [
  ChannelType.PublicThread,
  ChannelType.PrivateThread,
  ChannelType.AnnouncementThread,
];
export const isThread = (c: ChannelRecord | undefined): boolean => c !== undefined && THREAD_TYPES.includes(c.type);

/** Everything the fake knows, with the lookups every route needs. */
export class FakeWorld {
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, GuildRecord>();
  readonly channels = new Map<string, ChannelRecord>();
  /** Messages by channel, oldest first. */
  readonly messages = new Map<string, StoredMessage[]>();
  /** Files uploaded as a slash command's attachment option, by attachment id: served on the CDN like a message's. */
  readonly interactionFiles = new Map<string, { data: Buffer; contentType: string }>();
  /** Thread id → user ids that joined it. */
  readonly threadMembers = new Map<string, Set<string>>();

  constructor(readonly bot: APIUser) {
    this.users.set(bot.id, bot);
  }

  addUser(input: FakeUserInput): APIUser {
    const id = input.id ?? snowflake();
    const user = apiUser({ ...input, id });
    this.users.set(id, user);
    return user;
  }

  /** The member object Discord embeds next to a user (MESSAGE_CREATE `member`, interaction `member`). */
  member(guildId: string, userId: string, withUser: boolean): APIGuildMember | Omit<APIGuildMember, 'user'> {
    const guild = this.guilds.get(guildId);
    let data = guild?.members.get(userId);
    if (guild && !data) {
      // Anyone who talks in a guild is a member of it: add them lazily.
      data = { joined_at: new Date().toISOString(), roles: [] };
      guild.members.set(userId, data);
    }
    const base = {
      nick: null,
      avatar: null,
      banner: null,
      roles: data?.roles ?? [],
      joined_at: data?.joined_at ?? new Date().toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
    const user = this.users.get(userId);
    return withUser && user ? { ...base, user } : base;
  }

  /** Permissions of a member: @everyone plus their roles (the fake does not model overwrites). */
  permissions(guildId: string, userId: string): string {
    const guild = this.guilds.get(guildId);
    if (!guild) return '0';
    const roleIds = new Set([guildId, ...(guild.members.get(userId)?.roles ?? [])]);
    let bits = 0n;
    for (const r of guild.roles) if (roleIds.has(r.id)) bits |= BigInt(r.permissions);
    return bits.toString();
  }

  channel(id: string): ChannelRecord | undefined {
    return this.channels.get(id);
  }

  stored(channelId: string): StoredMessage[] {
    let list = this.messages.get(channelId);
    if (!list) this.messages.set(channelId, (list = []));
    return list;
  }

  findMessage(channelId: string, messageId: string): StoredMessage | undefined {
    return this.messages.get(channelId)?.find((m) => m.message.id === messageId && !m.deleted);
  }

  /** Users mentioned as `<@id>` / `<@!id>` in content that the fake knows about. */
  mentionedIn(content: string): APIUser[] {
    const ids = new Set([...content.matchAll(/<@!?(\d{17,20})>/g)].map((m) => m[1]!));
    return [...ids].flatMap((id) => {
      const user = this.users.get(id);
      return user ? [user] : [];
    });
  }

  /** A message object as REST serves it. `extra` carries type-specific fields (reference, interaction metadata…). */
  buildMessage(channel: ChannelRecord, author: APIUser, body: Record<string, unknown>, extra: Record<string, unknown> = {}) {
    const content = typeof body.content === 'string' ? body.content : '';
    const message = {
      id: snowflake(),
      channel_id: channel.id,
      author,
      content,
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: body.tts === true,
      mention_everyone: false,
      mentions: this.mentionedIn(content),
      mention_roles: [],
      attachments: [],
      embeds: Array.isArray(body.embeds) ? body.embeds : [],
      components: Array.isArray(body.components) ? body.components : [],
      pinned: false,
      type: MessageType.Default,
      flags: typeof body.flags === 'number' ? body.flags : 0,
      ...(body.nonce !== undefined ? { nonce: body.nonce } : {}),
      ...extra,
    };
    return message as unknown as APIMessage & Record<string, unknown>;
  }
}

