import { UserFacingError } from '../domain/errors.js';
import { listAdmins, setRole } from '../store/user-roles.js';
import type { Command } from './command.js';
import { recordAudit } from './record-audit.js';

/** `role`: admins make others admins or members. The admins named in XIAOLIU_ADMINS stay admins whatever is set here. */
export const roleCommand: Command = {
  name: 'role',
  aliases: ['角色'],
  summary: 'Lists the admins, or (admins) makes someone an admin or a member.',
  example: 'role U0123ABCD admin',
  takesArgs: true,
  async run(context) {
    const { sql, config, message, reply } = context;
    const words = context.args.split(/\s+/).filter(Boolean);
    if (words.length === 0 || words[0]!.toLowerCase() === 'list') {
      const admins = await listAdmins(sql, config, message.platform);
      await reply.finish(admins.length ? `Admins: ${admins.map((a) => `\`${a}\``).join(', ')}` : 'There are no admins yet: set XIAOLIU_ADMINS.');
      return;
    }
    if (!context.isAdmin) throw new UserFacingError('Only admins can give roles.');
    const [target, role] = words;
    // Slack writes a mention as <@U0123> (the adapter leaves @U0123); Discord users give the id itself.
    const userId = target?.replace(/^<?@!?/, '').replace(/>$/, '');
    if (!userId || !/^[A-Za-z0-9._-]{1,64}$/.test(userId) || (role !== 'admin' && role !== 'member')) {
      throw new UserFacingError('Write `role <user id> admin` or `role <user id> member` (in Slack you can @mention them).');
    }
    await setRole(sql, message.platform, userId, role, `${message.author.name} (${message.author.id})`);
    await recordAudit(context, { action: role === 'admin' ? 'role.grant' : 'role.revoke', target: userId, detail: `${userId} is now ${role === 'admin' ? 'an admin' : 'a member'}` });
    context.log.info({ userId, role }, 'role changed');
    await reply.finish(`Done: \`${userId}\` is now ${role === 'admin' ? 'an admin' : 'a member'}.`);
  },
};
