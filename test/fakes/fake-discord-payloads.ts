// JSON shapes Discord serves (roles, channels, threads, GUILD_CREATE) and the seeding of a fake guild.
import { ChannelType, type APIRole, type APIUser, type RoleFlags } from 'discord.js';
import {
  BOT_PERMISSIONS,
  EVERYONE_PERMISSIONS,
  isThread,
  snowflake,
  type ChannelRecord,
  type FakeWorld,
} from './fake-discord-model.js';

/** A role; `botId` makes it the managed role Discord gives a bot when it joins. */
export function role(id: string, name: string, permissions: string, position: number, botId?: string): APIRole {
  return {
    id,
    name,
    color: 0,
    colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
    hoist: false,
    icon: null,
    unicode_emoji: null,
    position,
    permissions,
    managed: botId !== undefined,
    mentionable: false,
    flags: 0 as RoleFlags,
    ...(botId ? { tags: { bot_id: botId } } : {}),
  } as APIRole;
}

export function textChannel(id: string, guildId: string, name: string, position: number, type: number): ChannelRecord {
  return {
    id,
    type,
    guild_id: guildId,
    name,
    position,
    permission_overwrites: [],
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    default_auto_archive_duration: 1440,
    flags: 0,
  };
}

export function dmChannel(id: string, recipient: APIUser): ChannelRecord {
  return { id, type: ChannelType.DM, recipients: [recipient], last_message_id: null, flags: 0 };
}

/** The bot's DM channel with `user`, opened on first use (Discord keeps one per pair). */
export function dmChannelWith(world: FakeWorld, user: APIUser): ChannelRecord {
  world.users.set(user.id, user);
  const existing = [...world.channels.values()].find(
    (c) => c.type === ChannelType.DM && (c.recipients as APIUser[])[0]?.id === user.id,
  );
  if (existing) return existing;
  const channel = dmChannel(snowflake(), user);
  world.channels.set(channel.id, channel);
  return channel;
}

export function threadChannel(
  id: string,
  parent: ChannelRecord,
  ownerId: string,
  name: string,
  autoArchiveDuration: number,
  type: number = ChannelType.PublicThread,
): ChannelRecord {
  const now = new Date().toISOString();
  return {
    id,
    type,
    guild_id: parent.guild_id,
    parent_id: parent.id,
    owner_id: ownerId,
    name,
    last_message_id: null,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    rate_limit_per_user: 0,
    flags: 0,
    thread_metadata: {
      archived: false,
      auto_archive_duration: autoArchiveDuration,
      archive_timestamp: now,
      locked: false,
      create_timestamp: now,
      ...(type === ChannelType.PrivateThread ? { invitable: true } : {}),
    },
  };
}

/** READY: the bot, and its guilds as unavailable stubs (their GUILD_CREATEs follow). */
export function readyPayload(world: FakeWorld, applicationId: string, flags: number, sessionId: string, resumeUrl: string): Record<string, unknown> {
  return {
    v: 10,
    user: world.bot,
    guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
    session_id: sessionId,
    session_type: 'normal',
    resume_gateway_url: resumeUrl,
    shard: [0, 1],
    application: { id: applicationId, flags },
    private_channels: [],
    presences: [],
    relationships: [],
    guild_join_requests: [],
    geo_ordered_rtc_regions: [],
    user_settings: {},
    _trace: ['["fake-discord-gateway",{"micros":0}]'],
  };
}

/** GUILD_CREATE: the whole guild, so discord.js can cache channels, roles and its own member. */
export function guildCreatePayload(world: FakeWorld, guildId: string): Record<string, unknown> {
  const g = world.guilds.get(guildId)!;
  const own = [...world.channels.values()].filter((c) => c.guild_id === guildId);
  // GUILD_CREATE lists channels without guild_id; threads come separately, active ones only.
  const channels = own.filter((c) => !isThread(c)).map(({ guild_id: _omit, ...rest }) => rest);
  const threads = own.filter((c) => isThread(c) && !(c.thread_metadata as { archived: boolean }).archived);
  const firstText = channels.find((c) => c.type === ChannelType.GuildText);
  return {
    id: g.id,
    name: g.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: g.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    mfa_level: 0,
    nsfw_level: 0,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    system_channel_id: firstText?.id ?? null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    preferred_locale: 'en-US',
    application_id: null,
    max_members: 500_000,
    max_video_channel_users: 25,
    max_stage_video_channel_users: 50,
    features: [],
    roles: g.roles,
    emojis: [],
    stickers: [],
    joined_at: g.joinedAt,
    large: false,
    unavailable: false,
    lazy: true,
    member_count: g.members.size,
    // Without the GUILD_MEMBERS intent Discord sends only the bot's own member here.
    members: [world.member(guildId, world.bot.id, true)],
    channels,
    threads,
    presences: [],
    voice_states: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    hub_type: null,
    incidents_data: null,
  };
}


export interface FakeGuildOptions {
  id?: string;
  name?: string;
  /** Text (0) or announcement (5) channels; default one text channel, `general`. */
  channels?: { id?: string; name: string; type?: 0 | 5 }[];
}

/** Adds a guild the bot is in: an owner, @everyone, the bot's managed role, and its channels. */
export function seedGuild(world: FakeWorld, spec: FakeGuildOptions): { id: string; name: string; channelIds: string[] } {
  const id = spec.id ?? snowflake();
  const name = spec.name ?? 'Fake Guild';
  const bot: APIUser = world.bot;
  const owner = world.addUser({ username: 'guild-owner', global_name: 'Guild Owner' });
  const botRole = role(snowflake(), bot.username, BOT_PERMISSIONS, 1, bot.id);
  const joinedAt = new Date().toISOString();
  world.guilds.set(id, {
    id,
    name,
    ownerId: owner.id,
    joinedAt,
    roles: [role(id, '@everyone', EVERYONE_PERMISSIONS, 0), botRole], // @everyone's id is the guild's
    members: new Map([
      [owner.id, { joined_at: joinedAt, roles: [] }],
      [bot.id, { joined_at: joinedAt, roles: [botRole.id] }],
    ]),
  });
  const channelIds = (spec.channels ?? [{ name: 'general' }]).map((c, i) => {
    const channel = textChannel(c.id ?? snowflake(), id, c.name, i, c.type ?? ChannelType.GuildText);
    world.channels.set(channel.id, channel);
    return channel.id;
  });
  return { id, name, channelIds };
}
