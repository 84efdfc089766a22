import type { InboundMessage, Platform, ReplyAddress } from '../domain/inbound-message.js';
import type { Sql } from './database.js';

/** An answer that carries buttons, as its row in `answers` keeps it (src/store/schema.ts). */
export interface AnswerRow {
  deliveryId: string;
  questionId: string;
  platform: Platform;
  workspaceId: string;
  channelId: string;
  address: ReplyAddress;
  askerId: string;
  askerName: string;
  kind: InboundMessage['kind'];
  messageId: string | null;
  question: string;
  model: string;
  skill: string;
  settingsVersion: number;
  state: 'streaming' | 'done' | 'stopped' | 'replaced';
}

/** Records an answer as it starts streaming; a retried job finds it there already. */
export async function recordAnswer(sql: Sql, a: Omit<AnswerRow, 'state'>): Promise<void> {
  await sql`
    insert into answers (delivery_id, question_id, platform, workspace_id, channel_id, address, asker_id, asker_name,
      kind, message_id, question, model, skill, settings_version, state)
    values (${a.deliveryId}, ${a.questionId}, ${a.platform}, ${a.workspaceId}, ${a.channelId}, ${JSON.stringify(a.address)}::jsonb,
      ${a.askerId}, ${a.askerName}, ${a.kind}, ${a.messageId}, ${a.question}, ${a.model}, ${a.skill}, ${a.settingsVersion}, 'streaming')
    on conflict (delivery_id) do nothing`;
}

/** The answer has ended (finished, stopped or failed): Stop no longer applies, Regenerate does. */
export async function endAnswer(sql: Sql, deliveryId: string, state: 'done' | 'stopped'): Promise<void> {
  await sql`update answers set state = ${state} where delivery_id = ${deliveryId} and state = 'streaming'`;
}

/** An answer of this workspace (never another tenant's, whatever id a button carries). */
export async function findAnswer(sql: Sql, platform: Platform, workspaceId: string, deliveryId: string): Promise<AnswerRow | undefined> {
  const [row] = await sql<(Omit<AnswerRow, 'address'> & { address: string | ReplyAddress })[]>`
    select delivery_id as "deliveryId", question_id as "questionId", platform, workspace_id as "workspaceId",
      channel_id as "channelId", address, asker_id as "askerId", asker_name as "askerName", kind, message_id as "messageId", question, model, skill,
      settings_version as "settingsVersion", state
    from answers where delivery_id = ${deliveryId} and platform = ${platform} and workspace_id = ${workspaceId}`;
  // jsonb comes back as text on the shared client (drizzle turns postgres.js's parsers off).
  return row && { ...row, address: typeof row.address === 'string' ? (JSON.parse(row.address) as ReplyAddress) : row.address };
}

/**
 * Marks the answer replaced and returns the id its regeneration is delivered as (`<question>#r<n>`), or undefined
 * when it was replaced already or is still streaming: of two clicks (a double click, two people), only one asks again.
 */
export async function replaceAnswer(sql: Sql, answer: AnswerRow): Promise<string | undefined> {
  const [row] = await sql<{ n: number }[]>`
    update answers set state = 'replaced'
    where delivery_id = ${answer.deliveryId} and platform = ${answer.platform} and workspace_id = ${answer.workspaceId}
      and state in ('done', 'stopped')
    returning (select count(*)::int from answers where question_id = ${answer.questionId}) as n`;
  return row ? `${answer.questionId}#r${row.n}` : undefined;
}

/**
 * The regenerated answer replaces the one before where it stands: it takes over its posted messages (replies rows), so
 * the answer's writer edits them instead of posting anew. Done once, when the regeneration's delivery is first claimed.
 */
export async function takeOverReplies(sql: Sql, from: string, to: string): Promise<void> {
  await sql`
    insert into replies (delivery_id, part, platform, message_id)
    select ${to}, part, platform, message_id from replies where delivery_id = ${from}
    on conflict (delivery_id, part) do nothing`;
}

/** One person's 👍 or 👎 on an answer; a later click (or the reason, added after) replaces theirs. */
export async function recordFeedback(
  sql: Sql,
  answer: AnswerRow,
  userId: string,
  rating: 'good' | 'bad',
  reason: string | undefined,
): Promise<void> {
  await sql`
    insert into answer_feedback (answer_id, user_id, platform, workspace_id, channel_id, rating, reason, model, skill, settings_version)
    values (${answer.deliveryId}, ${userId}, ${answer.platform}, ${answer.workspaceId}, ${answer.channelId}, ${rating},
      ${reason ?? null}, ${answer.model}, ${answer.skill}, ${answer.settingsVersion})
    on conflict (answer_id, user_id) do update set rating = excluded.rating,
      reason = coalesce(excluded.reason, case when answer_feedback.rating = excluded.rating then answer_feedback.reason end),
      at = now()`;
}

/** Satisfaction in one group (a channel's settings version, or a model). */
export interface FeedbackGroup {
  key: string;
  good: number;
  bad: number;
}

/** The workspace's feedback of the last `days` days, by channel and settings version and by model, plus recent reasons. */
export async function feedbackReport(
  sql: Sql,
  platform: Platform,
  workspaceId: string,
  days: number,
): Promise<{ byVersion: FeedbackGroup[]; byModel: FeedbackGroup[]; reasons: { rating: string; reason: string }[] }> {
  const since = sql`now() - make_interval(days => ${days})`;
  const where = sql`platform = ${platform} and workspace_id = ${workspaceId} and at > ${since}`;
  const byVersion = await sql<FeedbackGroup[]>`
    select channel_id || ' v' || settings_version as key,
      count(*) filter (where rating = 'good')::int as good, count(*) filter (where rating = 'bad')::int as bad
    from answer_feedback where ${where} group by channel_id, settings_version order by channel_id, settings_version`;
  const byModel = await sql<FeedbackGroup[]>`
    select model as key, count(*) filter (where rating = 'good')::int as good, count(*) filter (where rating = 'bad')::int as bad
    from answer_feedback where ${where} group by model order by model`;
  const reasons = await sql<{ rating: string; reason: string }[]>`
    select rating, reason from answer_feedback where ${where} and reason is not null order by at desc limit 5`;
  return { byVersion, byModel, reasons };
}

/** The question an answer was given to (what Regenerate asks again); '' when the answer is not known. */
export async function questionOf(sql: Sql, deliveryId: string): Promise<string> {
  const [row] = await sql<{ question: string }[]>`select question from answers where delivery_id = ${deliveryId}`;
  return row?.question ?? '';
}
