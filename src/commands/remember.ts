import { UserFacingError } from '../domain/errors.js';
import { MEMORY_TEXT_MAX } from '../memory/memory-prompt.js';
import { channelKeyOf } from '../store/channel-settings.js';
import { countChannelMemories, deleteMemory, memoriesFor, saveMemory } from '../store/memories.js';
import type { Command, CommandContext } from './command.js';
import { recordAudit } from './record-audit.js';

/** Most facts one channel keeps; past it, one must be forgotten first. */
export const MAX_CHANNEL_MEMORIES = 100;

/** Words after `remember` that make the fact the asker's own. */
const FOR_ME = /^(?:for\s+me|just\s+for\s+me|privately|仅我|私人)\s*[:：,，]?\s*/i;

/**
 * `remember …` (记住): keeps a fact for this channel, given to every new thread here from then on; `remember for me …`
 * keeps it for the asker alone, in every channel of this workspace.
 */
export const rememberCommand: Command = {
  name: 'remember',
  aliases: ['记住'],
  summary: 'Keeps a fact for this channel (`remember for me …`: for you alone).',
  example: 'remember our deploy day is Tuesday',
  takesArgs: true,
  async run(context) {
    const { message, args, reply, sql } = context;
    if (!args) return reply.finish('What should I remember? For example: `remember our deploy day is Tuesday` (or `remember for me …`).');
    const personal = FOR_ME.exec(args);
    const text = (personal ? args.slice(personal[0].length) : args).trim();
    if (!text) throw new UserFacingError('What should I remember for you? Write it after `remember for me`.');
    if (text.length > MEMORY_TEXT_MAX) throw new UserFacingError(`Keep a memory under ${MEMORY_TEXT_MAX} characters; split a longer one.`);
    const key = channelKeyOf(message.platform, message.address);
    if (!personal && (await countChannelMemories(sql, key)) >= MAX_CHANNEL_MEMORIES) {
      throw new UserFacingError(`This channel keeps ${MAX_CHANNEL_MEMORIES} memories, the most it may: \`forget memory <n>\` one first (\`memories\` lists them).`);
    }
    const memory = await saveMemory(sql, {
      key,
      scope: personal ? 'person' : 'channel',
      authorId: message.author.id,
      authorName: message.author.name,
      text,
      deliveryId: message.id,
    });
    // No text in the log or the audit log: what people keep is theirs.
    context.log.info({ memoryId: memory.id, scope: memory.scope }, 'memory kept');
    if (!personal) await recordAudit(context, { action: 'memory.add', target: `memory-${memory.id}`, detail: `channel memory #${memory.id} (${text.length} characters)` });
    await reply.finish(
      personal
        ? `Noted for you (#${memory.id}); new threads you start in this workspace will know it. \`forget memory ${memory.id}\` removes it.`
        : `Noted for this channel (#${memory.id}); every new thread here will know it. \`forget memory ${memory.id}\` removes it.`,
    );
  },
};

/** `memories` (记忆): what this channel keeps, and what the asker keeps for themselves. */
export const memoriesCommand: Command = {
  name: 'memories',
  aliases: ['记忆'],
  summary: 'Lists what I remember for this channel, and for you.',
  example: 'memories',
  takesArgs: false,
  async run({ message, reply, sql }) {
    const all = await memoriesFor(sql, channelKeyOf(message.platform, message.address), message.author.id);
    if (!all.length) return reply.finish('I keep no memories here yet. Tell me one with `remember …`.');
    const line = (m: (typeof all)[number]) => `• #${m.id} — ${m.text} _(${m.authorName}, ${m.createdAt.slice(0, 10)})_`;
    const channel = all.filter((m) => m.scope === 'channel');
    const mine = all.filter((m) => m.scope === 'person');
    const parts = [];
    if (channel.length) parts.push('*This channel*', ...channel.map(line));
    if (mine.length) parts.push('*Just for you*', ...mine.map(line));
    parts.push('', '`forget memory <n>` removes one.');
    await reply.finish(parts.join('\n'));
  },
};

/**
 * `forget memory <n>` (忘记 记忆 <n>), reached through `forget`: removes a memory. A channel's may be removed by whoever
 * told it or by an admin; a personal one only by its owner (no one else can even see it).
 */
export async function forgetMemory(context: CommandContext, idText: string): Promise<void> {
  const { message, sql, reply } = context;
  const id = Number(idText.replace(/^#/, ''));
  if (!Number.isSafeInteger(id) || id <= 0) throw new UserFacingError('Give the memory\'s number: `forget memory 3` (`memories` lists them).');
  const key = channelKeyOf(message.platform, message.address);
  const visible = (await memoriesFor(sql, key, message.author.id)).find((m) => m.id === id);
  if (!visible) throw new UserFacingError(`There is no memory #${id} here (\`memories\` lists them).`);
  if (visible.scope === 'channel' && visible.authorId !== message.author.id && !context.isAdmin) {
    throw new UserFacingError(`Only ${visible.authorName}, who told me memory #${id}, or an admin can remove it.`);
  }
  await deleteMemory(sql, key, message.author.id, id);
  if (visible.scope === 'channel') await recordAudit(context, { action: 'memory.forget', target: `memory-${id}`, detail: `channel memory #${id} removed` });
  await reply.finish(`Forgotten: memory #${id}.`);
}
