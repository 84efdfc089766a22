// Interactions (INTERACTION_CREATE, callbacks, the interaction webhook) and application command registration.
import { ChannelType, MessageFlags, MessageType, type APIUser } from 'discord.js';
import {
  ApiError,
  channelOr404,
  createMessage,
  editMessage,
  formError,
  unknownMessage,
  validateBody,
  type FakeContext,
  type RestRequest,
  type Route,
} from './fake-discord-messages.js';
import { commandsAvailable, type RegisteredCommands } from './fake-discord-commands.js';
import { randomHex, snowflake, type StoredMessage } from './fake-discord-model.js';

export type CommandOptionValue = string | number | boolean;

export interface SendInteractionInput {
  /** 2 = application command (default), 3 = message component (button), 5 = modal submit. */
  type?: 2 | 3 | 5;
  /** Modal submit (type 5): the text inputs' values by custom_id. */
  fields?: Record<string, string>;
  /** Command name (type 2). */
  name?: string;
  /** Type 2: the application command's type, 1 = slash (default), 3 = message context menu (on `targetId`). */
  commandType?: 1 | 3;
  /** A message context-menu command's message (in `channelId`). */
  targetId?: string;
  /** Raw option objects, or `{ prompt: 'hi' }` shorthand (string → 3, integer → 4, boolean → 5, number → 10). */
  options?: Record<string, CommandOptionValue> | Array<Record<string, unknown>>;
  /** Component custom_id and the message carrying it (type 3). */
  customId?: string;
  messageId?: string;
  channelId: string;
  guildId?: string;
  user: APIUser;
  locale?: string;
  /**
   * A file given to an attachment option (type 11), under this option name: the option's value is the attachment's
   * id, and the attachment object itself comes in `data.resolved.attachments`
   * (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-resolved-data-structure).
   */
  attachment?: { option: string; name: string; contentType: string; data: Buffer };
}

export interface InteractionResponseRecord {
  kind: 'callback' | 'editOriginal' | 'deleteOriginal' | 'followUp' | 'editFollowUp' | 'deleteFollowUp';
  /** Callback type (4 = message, 5 = deferred, 6 = deferred update, 7 = update, 9 = modal…). */
  type?: number;
  body: unknown;
  messageId?: string;
  at: number;
}

interface InteractionRecord {
  id: string;
  token: string;
  channelId: string;
  type: number;
  createdAt: number;
  acked: boolean;
  /** The reply (types 4/5), or for a component interaction the message carrying the component. */
  originalMessageId?: string;
  /** Component interactions: the message the button is on, which callbacks 6/7 and @original then address. */
  componentMessageId?: string;
  followUps: Set<string>;
  responses: InteractionResponseRecord[];
  metadata: Record<string, unknown>;
}

// An interaction token stays usable for follow-ups and edits for 15 minutes.
const TOKEN_LIFETIME_MS = 15 * 60_000;

function toOptions(options: SendInteractionInput['options']): Array<Record<string, unknown>> | undefined {
  if (options === undefined || Array.isArray(options)) return options;
  return Object.entries(options).map(([name, value]) => ({
    name,
    value,
    type: typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10,
  }));
}

export class FakeInteractions {
  private readonly interactions = new Map<string, InteractionRecord>();

  constructor(
    private readonly ctx: FakeContext,
    private readonly commands: RegisteredCommands,
    private readonly ackTimeoutMs: number,
  ) {}

  responses(interactionId: string): InteractionResponseRecord[] {
    return this.interactions.get(interactionId)?.responses ?? [];
  }

  /** Emits INTERACTION_CREATE with every field discord.js 14.28 reads (it throws without `entitlements` and
   * `authorizing_integration_owners`). Interactions need no intent. */
  send(input: SendInteractionInput): { id: string; token: string } {
    const { world, applicationId } = this.ctx;
    const channel = channelOr404(this.ctx, input.channelId);
    const guildId = input.guildId ?? channel.guild_id;
    const type = input.type ?? 2;
    const id = snowflake();
    // Real tokens are long opaque base64url strings; @discordjs/rest only needs "no slash".
    const token = `aW50ZXJhY3Rpb246${Buffer.from(`${id}:${randomHex(48)}`).toString('base64url')}`;
    world.users.set(input.user.id, input.user);

    let data: Record<string, unknown>;
    let message: { id: string } | undefined;
    if (type === 2) {
      const name = input.name ?? 'ask';
      const commandType = input.commandType ?? 1;
      const isIt = (c: Record<string, unknown>) => c.name === name && (c.type ?? 1) === commandType;
      const registered = commandsAvailable(world, this.commands, channel, input.user.id).find(isIt);
      // Nothing registered (most tests): any name goes. Registered, but not where it is used: no client could send it.
      const anywhere = [...this.commands.global, ...Object.values(this.commands.guilds).flat()].some(isIt);
      if (anywhere && !registered) throw new Error(`fake-discord: /${name} is not available in channel ${channel.id} (see commandsAvailable)`);
      // A message command carries its message as `target_id` and in `resolved.messages`
      // (https://discord.com/developers/docs/interactions/application-commands#message-commands).
      const target = input.targetId ? world.findMessage(channel.id, input.targetId)?.message : undefined;
      if (commandType === 3 && !target) throw new Error(`fake-discord: a message command needs the targetId of a message in ${channel.id}`);
      const options = [...(toOptions(input.options) ?? [])];
      let resolved: Record<string, unknown> | undefined = target ? { messages: { [target.id]: target } } : undefined;
      if (input.attachment) {
        const attachmentId = snowflake();
        const { option, name: filename, contentType, data: bytes } = input.attachment;
        world.interactionFiles.set(attachmentId, { data: bytes, contentType });
        options.push({ name: option, type: 11, value: attachmentId });
        const url = `${this.ctx.origin}/attachments/${channel.id}/${attachmentId}/${encodeURIComponent(filename)}`;
        resolved = { ...resolved, attachments: { [attachmentId]: { id: attachmentId, filename, size: bytes.length, url, proxy_url: url, content_type: contentType } } };
      }
      data = {
        id: registered?.id ?? snowflake(),
        name,
        type: commandType,
        ...(target ? { target_id: target.id } : {}),
        ...(options.length ? { options } : {}),
        ...(resolved ? { resolved } : {}),
        ...(registered?.guild_id ? { guild_id: registered.guild_id } : {}),
      };
    } else if (type === 5) {
      // "Modal Submit Data Structure: custom_id, components" — the submitted inputs, each text input (type 4) in an
      // action row (type 1) with its `value`
      // (https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object-modal-submit-data-structure).
      const rows = Object.entries(input.fields ?? {}).map(([custom_id, value]) => ({ type: 1, components: [{ type: 4, custom_id, value }] }));
      data = { custom_id: input.customId ?? 'modal', components: rows };
      const target = input.messageId ? world.findMessage(channel.id, input.messageId) : undefined;
      message = target?.message;
    } else {
      const target = input.messageId ? world.findMessage(channel.id, input.messageId) : undefined;
      if (!target) throw new Error(`fake-discord: sendInteraction type 3 needs the messageId of a message in ${channel.id}`);
      data = { custom_id: input.customId ?? 'button', component_type: 2 };
      message = target.message;
    }

    const who = guildId
      ? { member: { ...world.member(guildId, input.user.id, true), permissions: world.permissions(guildId, input.user.id) } }
      : { user: input.user };
    const payload = {
      id,
      application_id: applicationId,
      type,
      token,
      version: 1,
      data,
      ...(message ? { message } : {}),
      channel,
      channel_id: channel.id,
      ...(guildId ? { guild_id: guildId, guild: { id: guildId, locale: 'en-US', features: [] }, guild_locale: 'en-US' } : {}),
      ...who,
      app_permissions: guildId ? world.permissions(guildId, world.bot.id) : '0',
      locale: input.locale ?? 'en-US',
      entitlements: [],
      authorizing_integration_owners: { '0': guildId ?? '0' },
      context: guildId ? 0 : channel.type === ChannelType.DM ? 1 : 2,
      attachment_size_limit: 10 * 1024 * 1024,
    };
    const metadata = { id, type, user: input.user, authorizing_integration_owners: payload.authorizing_integration_owners };
    this.interactions.set(id, {
      id,
      token,
      channelId: channel.id,
      type,
      createdAt: Date.now(),
      acked: false,
      ...(message ? { componentMessageId: message.id } : {}),
      followUps: new Set(),
      responses: [],
      metadata,
    });
    this.ctx.gateway.dispatch('INTERACTION_CREATE', () => payload);
    return { id, token };
  }

  private byToken(appId: string, token: string): InteractionRecord {
    const record = [...this.interactions.values()].find((i) => i.token === token);
    if (appId !== this.ctx.applicationId || !record || Date.now() - record.createdAt > TOKEN_LIFETIME_MS) {
      throw new ApiError(404, 10015, 'Unknown Webhook');
    }
    return record;
  }

  private message(record: InteractionRecord, messageId: string): StoredMessage {
    const id = messageId === '@original' ? record.originalMessageId : record.followUps.has(messageId) ? messageId : undefined;
    const stored = id ? this.ctx.world.findMessage(record.channelId, id) : undefined;
    if (!stored) throw unknownMessage();
    return stored;
  }

  private reply(req: RestRequest, record: InteractionRecord, body: Record<string, unknown>, loading: boolean): StoredMessage {
    const channel = channelOr404(this.ctx, record.channelId);
    const flags = (Number(body.flags ?? 0) & MessageFlags.Ephemeral) | (loading ? MessageFlags.Loading : 0);
    return createMessage(this.ctx, req, channel, this.ctx.world.bot, { ...body, flags }, req.files, {
      type: record.type === 2 ? MessageType.ChatInputCommand : MessageType.Default,
      webhook_id: this.ctx.applicationId,
      application_id: this.ctx.applicationId,
      interaction_metadata: record.metadata,
    });
  }

  routes(): Route[] {
    const webhook = '/webhooks/(\\d+)/([^/]+)';
    const r = (method: string, path: string, handle: Route['handle'], auth = false): Route => ({
      method,
      pattern: new RegExp(`^${path}$`),
      auth,
      handle,
    });
    const log = (record: InteractionRecord, entry: Omit<InteractionResponseRecord, 'at'>) =>
      record.responses.push({ ...entry, at: Date.now() });

    return [
      r('POST', '/interactions/(\\d+)/([^/]+)/callback', (req) => {
        const [id, token] = req.params as [string, string];
        const record = this.interactions.get(id);
        // Discord gives 3 s to acknowledge; later (or with a wrong token) the interaction is simply unknown.
        if (!record || record.token !== token || Date.now() - record.createdAt > this.ackTimeoutMs) {
          throw new ApiError(404, 10062, 'Unknown interaction');
        }
        if (record.acked) throw new ApiError(400, 40060, 'Interaction has already been acknowledged.');
        const type = Number(req.body?.type);
        const data = (req.body?.data ?? {}) as Record<string, unknown>;
        if (![4, 5, 6, 7, 8, 9, 10, 12].includes(type)) {
          throw formError('type', 'BASE_TYPE_CHOICES', 'Value must be one of {4, 5, 6, 7, 8, 9, 10, 12}.');
        }
        if (type === 4) validateBody(data, req.files, true);
        record.acked = true;
        let stored: StoredMessage | undefined;
        if (type === 4 || type === 5) {
          stored = this.reply(req, record, data, type === 5);
          record.originalMessageId = stored.message.id;
        } else if ((type === 6 || type === 7) && record.componentMessageId) {
          // Deferred update / update: the component's own message becomes @original.
          record.originalMessageId = record.componentMessageId;
          stored = this.ctx.world.findMessage(record.channelId, record.componentMessageId);
          if (stored && type === 7) editMessage(this.ctx, req, stored, data, req.files);
        }
        log(record, { kind: 'callback', type, body: req.body, ...(stored ? { messageId: stored.message.id } : {}) });
        if (req.query.get('with_response') !== 'true') return { status: 204 };
        const flags = Number(stored?.message.flags ?? 0);
        return {
          status: 200,
          body: {
            interaction: {
              id: record.id,
              type: record.type,
              response_message_id: stored?.message.id,
              response_message_loading: (flags & MessageFlags.Loading) !== 0,
              response_message_ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
            },
            resource: { type, ...(stored ? { message: stored.message } : {}) },
          },
        };
      }),
      r('GET', `${webhook}/messages/([^/]+)`, (req) => {
        const [appId, token, mid] = req.params as [string, string, string];
        return { status: 200, body: this.message(this.byToken(appId, token), mid).message };
      }),
      r('PATCH', `${webhook}/messages/([^/]+)`, (req) => {
        const [appId, token, mid] = req.params as [string, string, string];
        const record = this.byToken(appId, token);
        const stored = this.message(record, mid);
        editMessage(this.ctx, req, stored, (req.body ?? {}) as Record<string, unknown>, req.files);
        const kind = stored.message.id === record.originalMessageId ? 'editOriginal' : 'editFollowUp';
        log(record, { kind, body: req.body, messageId: stored.message.id });
        return { status: 200, body: stored.message };
      }),
      r('DELETE', `${webhook}/messages/([^/]+)`, (req) => {
        const [appId, token, mid] = req.params as [string, string, string];
        const record = this.byToken(appId, token);
        const stored = this.message(record, mid);
        stored.deleted = true;
        const kind = stored.message.id === record.originalMessageId ? 'deleteOriginal' : 'deleteFollowUp';
        log(record, { kind, body: null, messageId: stored.message.id });
        return { status: 204 };
      }),
      r('POST', webhook, (req) => {
        const [appId, token] = req.params as [string, string];
        const record = this.byToken(appId, token);
        // A follow-up before the interaction was acknowledged has no webhook to post through yet.
        if (!record.acked) throw new ApiError(404, 10015, 'Unknown Webhook');
        const body = (req.body ?? {}) as Record<string, unknown>;
        validateBody(body, req.files, true);
        const stored = this.reply(req, record, body, false);
        record.followUps.add(stored.message.id);
        log(record, { kind: 'followUp', body: req.body, messageId: stored.message.id });
        return req.query.get('wait') === 'true' ? { status: 200, body: stored.message } : { status: 204 };
      }),
    ];
  }
}
