import { UserFacingError } from '../domain/errors.js';
import type { InboundMessage } from '../domain/inbound-message.js';
import { listAdmins, setRole } from '../store/user-roles.js';
import type { Command } from './command.js';
import { recordAudit } from './record-audit.js';

/**
 * `role`: admins make others admins or members of their own workspace (Slack workspace, Discord server), and of no
 * other. The deployment's operators, named in XIAOLIU_ADMINS, are admins everywhere whatever is set here.
 */
export const roleCommand: Command = {
  name: 'role',
  aliases: ['角色'],
  summary: 'Lists the admins here, or (admins) makes someone an admin or a member.',
  example: 'role U0123ABCD admin',
  takesArgs: true,
  async run(context) {
    const { sql, config, message, reply } = context;
    const scope = { platform: message.platform, workspaceId: message.address.workspaceId };
    const words = context.args.split(/\s+/).filter(Boolean);
    if (words.length === 0 || words[0]!.toLowerCase() === 'list') {
      const { here, operators } = await listAdmins(sql, config, scope);
      const ids = (list: string[]) => list.map((a) => `\`${a}\``).join(', ');
      const lines = [here.length ? `Admins here: ${ids(here)}` : 'Nobody has been made an admin here yet.'];
      if (operators.length) lines.push(`Operators of this deployment (admins everywhere, XIAOLIU_ADMINS): ${ids(operators)}`);
      else if (!here.length) lines.push('Set XIAOLIU_ADMINS to name the first admins.');
      await reply.finish(lines.join('\n'));
      return;
    }
    if (!context.isAdmin) throw new UserFacingError('Only admins can give roles.');
    const [target, role] = words;
    const userId = target ? userIdOf(message, target) : undefined;
    if (!userId || !/^[A-Za-z0-9._-]{1,64}$/.test(userId) || (role !== 'admin' && role !== 'member')) {
      throw new UserFacingError('Write `role <user id> admin` or `role <user id> member` (you can @mention them).');
    }
    await setRole(sql, scope, userId, role, `${message.author.name} (${message.author.id})`);
    await recordAudit(context, { action: role === 'admin' ? 'role.grant' : 'role.revoke', target: userId, detail: `${userId} is now ${role === 'admin' ? 'an admin' : 'a member'}` });
    context.log.info({ userId, role }, 'role changed');
    await reply.finish(`Done: \`${userId}\` is now ${role === 'admin' ? 'an admin' : 'a member'} here.`);
  },
};

/**
 * The user id a target names: a mention the platform resolved ("@Name" on Discord), a mention in the platform's markup
 * (Slack's <@U0123>, which its adapter leaves as @U0123; Discord's <@123> and <@!123>), or the id itself.
 */
function userIdOf(message: InboundMessage, target: string): string | undefined {
  const mentioned = message.mentionedUsers?.[target];
  if (mentioned) return mentioned;
  // A name the platform wrote for a mention but could not tie to one person is no id: refuse rather than guess.
  if (message.mentionedUsers && target.startsWith('@')) return undefined;
  return target.replace(/^<?@!?/, '').replace(/>$/, '');
}
