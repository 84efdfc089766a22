import type { Sql } from '../../src/store/database.js';
import { saveChannelSettings } from '../../src/store/channel-settings.js';
import { setRole } from '../../src/store/user-roles.js';
import { defaultSettings } from '../../src/domain/channel-settings.js';
import type { Config } from '../../src/config/read-config.js';

/** Persona texts of the seeded channel's two versions, so a test can tell which one is in force. */
export const PERSONA_V1 = 'You are Lin, our release manager. Answer in bullet points.';
export const PERSONA_V2 = 'You are Pirate Pete. Answer like a pirate.';

/**
 * What the admin console shows, made through the store functions chat uses where there are some (settings versions,
 * roles) and as rows where Xiaoliu writes them itself (usage, feedback): two weeks of spending in workspace T0FAKE
 * across people, channels and models; channel C1 with two persona versions; and another workspace, TOTHER, with a
 * channel of its own that no T0FAKE admin may see.
 */
export async function seedConsoleData(sql: Sql, config: Config): Promise<void> {
  const defaults = defaultSettings(config);
  const c1 = { platform: 'slack', workspaceId: 'T0FAKE', channelId: 'C1' };
  await saveChannelSettings(sql, c1, { ...defaults, systemPrompt: PERSONA_V1 }, 'persona set to “Lin”', 'Ada (UADA)');
  await saveChannelSettings(sql, c1, { ...defaults, systemPrompt: PERSONA_V2, model: 'claude-haiku-5-5' }, 'persona set to “Pete”', 'Ada (UADA)');
  await saveChannelSettings(sql, { platform: 'slack', workspaceId: 'TOTHER', channelId: 'C9' }, { ...defaults, systemPrompt: 'Other tenant persona.' }, 'persona set', 'Zed (UZED)');
  await setRole(sql, { platform: 'slack', workspaceId: 'T0FAKE' }, 'UADA', 'admin', 'test');
  // TOTHER's admin is someone else; Ada is nobody there.
  await setRole(sql, { platform: 'slack', workspaceId: 'TOTHER' }, 'UZED', 'admin', 'test');

  const rows: string[] = [];
  const people = ['UADA', 'UMO', 'UBEA'];
  const channels = ['C1', 'C2', 'C3'];
  const models = ['claude-sonnet-5-5', 'claude-haiku-5-5'];
  for (let day = 0; day < 14; day++) {
    for (let i = 0; i < 3; i++) {
      const cost = (0.05 + ((day * 7 + i * 13) % 11) * 0.03).toFixed(6);
      rows.push(
        `('seed-${day}-${i}', 'slack', 'T0FAKE', '${channels[(day + i) % 3]}', '${people[(day * 2 + i) % 3]}', '${models[(day + i) % 2]}', 1200, 300, ${cost}, now() - make_interval(days => ${day}))`,
      );
    }
  }
  rows.push(`('seed-other', 'slack', 'TOTHER', 'C9', 'UZED', 'claude-opus-5-5', 5000, 900, 4.5, now())`);
  await sql.unsafe(`insert into usage (delivery_id, platform, workspace_id, channel_id, user_id, model, input_tokens, output_tokens, cost_usd, created_at) values ${rows.join(',')}`);
  await sql`
    insert into answer_feedback (answer_id, user_id, platform, workspace_id, channel_id, rating, reason, model, skill, settings_version)
    values ('a1', 'UMO', 'slack', 'T0FAKE', 'C1', 'good', null, 'claude-sonnet-5-5', 'chat', 1),
           ('a2', 'UBEA', 'slack', 'T0FAKE', 'C1', 'bad', 'too piratey', 'claude-haiku-5-5', 'chat', 2),
           ('a3', 'UMO', 'slack', 'T0FAKE', 'C1', 'good', null, 'claude-haiku-5-5', 'chat', 2)`;
}
