import { UserFacingError } from '../domain/errors.js';
import { listAuditEntries, type StoredAuditEntry } from '../store/audit-log.js';
import type { Sql } from '../store/database.js';
import { listToolCalls } from '../store/tool-calls.js';
import { chatCommand } from './chat.js';
import type { Command } from './command.js';

const DEFAULT_ENTRIES = 20;
const MAX_ENTRIES = 200;

/**
 * `audit [n]` (admins): the workspace's most recent admin actions, newest first. Only the asker's own workspace, on
 * its own platform: an admin elsewhere never sees these, and these admins never see theirs.
 */
export const auditCommand: Command = {
  name: 'audit',
  aliases: ['审计'],
  summary: "(Admins) Lists this workspace's recent admin actions.",
  example: 'audit 50',
  takesArgs: true,
  async run(context) {
    const { message, reply } = context;
    let arg = context.args.trim();
    // `audit tools [n]`: the tool calls made here instead of the admin actions.
    const tools = /^tools?(?:\s+|$)/i.test(arg);
    if (tools) arg = arg.replace(/^tools?\s*/i, '');
    const usage = `Write \`audit\` for the last ${DEFAULT_ENTRIES} entries, or \`audit <number>\` for up to ${MAX_ENTRIES}; \`audit tools [number]\` lists tool calls.`;
    if (arg !== '' && !/^\d+$/.test(arg)) {
      // The router matches the first word: "audit this function for races" is a question, not a request for the log
      // (a `/audit` slash command with text is not).
      if (message.command?.name.toLowerCase() === 'audit') throw new UserFacingError(usage);
      return chatCommand.run({ ...context, args: (message.command ? message.command.args : message.text).trim() });
    }
    if (!context.isAdmin) throw new UserFacingError('Only admins can read the audit log.');
    const count = arg === '' ? DEFAULT_ENTRIES : Number(arg);
    if (count < 1 || count > MAX_ENTRIES) throw new UserFacingError(usage);
    if (tools) return reply.finish(await toolCallLines(context.sql, message.platform, message.address.workspaceId, count));
    const entries = await listAuditEntries(context.sql, message.platform, message.address.workspaceId, count);
    if (!entries.length) return reply.finish('The audit log of this workspace is empty: no admin action has been taken here yet.');
    await reply.finish([`*Audit log of this workspace* (newest first, ${entries.length} most recent)`, ...entries.map(line)].join('\n'));
  },
};

/**
 * "2026-12-05 10:31 UTC — Ada (U1) in C1 — tracker › create_ticket — ok, 210 chars, 83 ms, approved by Ada (U1) —
 * args sha256 3fa1b2c4…": what was called, by whom, how it went; never the arguments or the result.
 */
async function toolCallLines(sql: Sql, platform: string, workspaceId: string, count: number): Promise<string> {
  const calls = await listToolCalls(sql, platform, workspaceId, count);
  if (!calls.length) return 'No tool calls have been made in this workspace yet.';
  return [
    `*Tool calls in this workspace* (newest first, ${calls.length} most recent)`,
    ...calls.map((c) => {
      const when = `${c.at.slice(0, 10)} ${c.at.slice(11, 16)} UTC`;
      const approved = c.approvedBy ? `, approved by ${c.approvedBy}` : '';
      return `• ${when} — ${c.userName} (${c.userId}) in ${c.channelId} — ${c.server} › ${c.tool} — ${c.outcome}, ${c.resultChars} chars, ${c.durationMs} ms${approved} — args sha256 ${c.argsSha256.slice(0, 12)}…`;
    }),
  ].join('\n');
}

/** "2026-12-05 10:31 UTC — Ada (slack:UADMIN) in C1 — config.prompt: v2: persona changed (…)" */
function line(entry: StoredAuditEntry): string {
  const when = `${entry.at.slice(0, 10)} ${entry.at.slice(11, 16)} UTC`;
  const where = entry.channelId === '-' ? '' : ` in ${entry.channelId}`;
  return `• ${when} — ${entry.actorName} (${entry.actorPlatform}:${entry.actorId})${where} — ${entry.action}: ${entry.detail}`;
}
