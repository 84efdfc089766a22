import { PermissionFlagsBits, Routes, type APIChannel, type APIGuildMember, type APIOverwrite, type APIRole, type REST } from 'discord.js';
import type { Logger } from '../../src/log/create-logger.js';

/** Most channels checked per search: one GET /channels/{id} each. */
export const MAX_CHANNELS_CHECKED = 20;
const VIEW = PermissionFlagsBits.ViewChannel;
const READ = VIEW | PermissionFlagsBits.ReadMessageHistory;

/**
 * A member's permissions in a channel, computed as Discord documents it
 * (https://discord.com/developers/docs/topics/permissions#permission-overwrites): @everyone's permissions ORed with
 * the member's roles' (ADMINISTRATOR, or owning the server, is everything); then the channel's overwrites in order —
 * @everyone's (id: the server's), then all of the member's roles' together (deny, then allow), then the member's own.
 * `memberId` undefined: @everyone alone, which is what "public" means here.
 */
export function permissionsIn(guildId: string, ownerId: string | undefined, roles: readonly APIRole[], memberId: string | undefined, memberRoles: readonly string[], overwrites: readonly APIOverwrite[]): bigint {
  if (memberId !== undefined && memberId === ownerId) return ~0n;
  const held = new Set([guildId, ...memberRoles]);
  let base = 0n;
  for (const role of roles) if (held.has(role.id)) base |= BigInt(role.permissions);
  if (base & PermissionFlagsBits.Administrator) return ~0n;
  const everyone = overwrites.find((o) => o.id === guildId);
  if (everyone) base = (base & ~BigInt(everyone.deny)) | BigInt(everyone.allow);
  let allow = 0n;
  let deny = 0n;
  for (const o of overwrites) {
    if (o.id !== guildId && o.type === 0 && memberRoles.includes(o.id)) {
      allow |= BigInt(o.allow);
      deny |= BigInt(o.deny);
    }
  }
  base = (base & ~deny) | allow;
  const own = memberId === undefined ? undefined : overwrites.find((o) => o.type === 1 && o.id === memberId);
  if (own) base = (base & ~BigInt(own.deny)) | BigInt(own.allow);
  return base;
}

/**
 * Of these channels of a server, the public ones (@everyone may view them) that the person can read (View Channel
 * and Read Message History), from the server's roles, the person's roles and each channel's overwrites, read through
 * the REST API now (GET /guilds/{id}/roles, /guilds/{id}/members/{user}, /channels/{id}), so a change of roles or
 * overwrites counts at once. Any error leaves the channel (or, for the person, every channel) out.
 */
export async function readablePublicChannels(rest: REST, guildId: string, userId: string, channelIds: readonly string[], log: Logger): Promise<string[]> {
  if (!/^\d+$/.test(guildId)) return []; // a DM's workspace (@dm:…) has no other channels
  let roles: APIRole[];
  let member: APIGuildMember;
  let ownerId: string | undefined;
  try {
    [roles, member, { owner_id: ownerId }] = await Promise.all([
      rest.get(Routes.guildRoles(guildId)) as Promise<APIRole[]>,
      rest.get(Routes.guildMember(guildId, userId)) as Promise<APIGuildMember>,
      rest.get(Routes.guild(guildId)) as Promise<{ owner_id?: string }>,
    ]);
  } catch (error) {
    log.warn({ err: error }, 'could not read the asker’s roles to search other channels; searching this one only');
    return [];
  }
  const checked = await Promise.all(
    channelIds.slice(0, MAX_CHANNELS_CHECKED).map(async (id) => {
      try {
        const channel = (await rest.get(Routes.channel(id))) as APIChannel & { guild_id?: string; permission_overwrites?: APIOverwrite[] };
        if (channel.guild_id !== guildId) return undefined;
        const overwrites = channel.permission_overwrites ?? [];
        const isPublic = (permissionsIn(guildId, ownerId, roles, undefined, [], overwrites) & VIEW) === VIEW;
        const readable = (permissionsIn(guildId, ownerId, roles, userId, member.roles, overwrites) & READ) === READ;
        return isPublic && readable ? id : undefined;
      } catch (error) {
        log.debug({ err: error, channelId: id }, 'could not check a channel for a cross-channel search; left out');
        return undefined;
      }
    }),
  );
  return checked.filter((id): id is string => id !== undefined);
}
