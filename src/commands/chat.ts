import { buildPrompt } from '../claude/build-prompt.js';
import type { ChatResult, ToolCall } from '../claude/claude-client.js';
import { THINKING_STATUS } from '../render/reply-writer.js';
import { isSkill, type Skill } from '../skills/skill.js';
import { skillToolName, skillTools } from '../skills/skill-tools.js';
import { MAX_SEARCH_ROUNDS, runSearch, SEARCH_TOOL, SEARCH_TOOL_NAME } from '../knowledge/search-tool.js';
import { memoryNote } from '../memory/memory-prompt.js';
import { runSuggestMemory, SUGGEST_MEMORY_TOOL, SUGGEST_MEMORY_TOOL_NAME } from '../memory/suggest-memory-tool.js';
import { sourcesFooter, sourcesOf } from '../render/sources.js';
import { callModelThroughPauses } from '../tools/continue-paused.js';
import { thinkingRequest } from '../tools/thinking-setting.js';
import { showWebWork } from '../tools/web-activity.js';
import { webToolsFor } from '../tools/web-tools.js';
import { openTurn } from '../turn/open-turn.js';
import { saveAnswerText } from '../turn/save-answer-text.js';
import type { Command, CommandContext } from './command.js';

/** Free text: a question for Claude, answered with the thread's history as context, streamed as it is written. */
export const chatCommand: Command = {
  name: 'ask',
  aliases: ['chat'],
  summary: 'Answers a question, with everything said in this thread as context.',
  example: 'ask how do I rotate a Postgres password?',
  takesArgs: true,
  async run(context) {
    const { args, reply } = context;
    if (!args) {
      await reply.finish('What would you like to ask? Write your question after my name, or type `help`.');
      return;
    }
    // Show at once that Xiaoliu is working; reading an existing thread can take a while. The question is stored, the
    // history read and the model asked meanwhile, so the placeholder's round trips are not on the way to the model
    // (streamed text waits for the placeholder inside the ReplyWriter).
    const started = reply.start();
    // A start that fails ends the model call as well: the job fails and is retried without paying for an answer
    // nobody would see.
    const answering = new AbortController();
    const forward = () => answering.abort(context.signal.reason);
    if (context.signal.aborted) forward();
    else context.signal.addEventListener('abort', forward, { once: true });
    started.catch((error: unknown) => answering.abort(error));
    try {
      await answer({ ...context, signal: answering.signal }, started);
    } catch (error) {
      // Never leave while the placeholder is still being posted: the next attempt would post another, and an error
      // message must edit the placeholder rather than race it. A failed start is the cause of whatever followed.
      throw (await started.then(() => undefined, (startError: unknown) => startError)) ?? error;
    } finally {
      context.signal.removeEventListener('abort', forward);
    }
  },
};

/** Chat once the placeholder is on its way: the history, the model call, the answer (or a skill's). */
async function answer(context: CommandContext, started: Promise<void>): Promise<void> {
  const { args, reply, metrics } = context;
  // A skill may be awaiting this message (a plan waiting for its asker's yes): asked while the message is stored, it
  // answers the message, or leaves it to chat.
  const claiming = Promise.all(context.commands.filter(isSkill).map((skill) => skill.claimFollowUp?.(context)));
  const [history, claims, memories] = await Promise.all([openTurn(context), claiming, memoryNote(context.sql, context.message)]);
  for (const answerFollowUp of claims) if (answerFollowUp && (await answerFollowUp())) return;
  const prompt = buildPrompt(context.settings.systemPrompt, history, context.config.historyTokenBudget, memories ? [memories] : []);
  metrics.pipelineOverhead.observe((Date.now() - context.queuedAt) / 1000);
  // Claude may hand a request that clearly calls for a skill ("draft our onboarding doc") to that skill, and, where
  // the channel's knowledge is on, search what was said here before.
  // Where an admin turned them on, Anthropic's web search and fetch too (src/tools/web-tools.ts).
  const tools = [
    ...skillTools(context.commands, context.settings.skills),
    ...(context.settings.knowledge ? [SEARCH_TOOL] : []),
    SUGGEST_MEMORY_TOOL,
    ...webToolsFor(context.settings),
  ];
  let messages = prompt.messages;
  let result;
  // Every round's blocks, for the web pages the answer cites or read.
  const answered: ChatResult['content'] = [];
  for (let round = 1; ; round++) {
    result = await callModelThroughPauses(context, {
      system: prompt.system,
      messages,
      ...(tools.length ? { tools } : {}),
      // A conversation: by default the model thinks where a question needs it, at medium effort (the 5.5 default,
      // high, makes every chat answer slower and dearer than a thread reply should be); `config thinking` changes it.
      ...thinkingRequest(context.settings.thinking),
      onThinking: () => reply.status(THINKING_STATUS),
      onServerTool: showWebWork(reply),
      onText: (_delta, soFar) => reply.stream(soFar),
      onRetry: () => reply.stream(''),
    });
    answered.push(...result.content);
    // Searches, and "shall I remember this?" (a button under the answer, src/memory/suggest-memory-tool.ts).
    const searches = result.toolCalls.filter((call) => call.name === SEARCH_TOOL_NAME || call.name === SUGGEST_MEMORY_TOOL_NAME);
    // Past its searches, an answer ends with what it has written.
    if (!searches.length || round > MAX_SEARCH_ROUNDS || result.toolCalls.some((call) => skillOf(context, call))) break;
    // The search results go back after the answer so far, which the next round continues.
    const results = await Promise.all(searches.map((call) => (call.name === SEARCH_TOOL_NAME ? runSearch(context, call) : runSuggestMemory(context, call))));
    messages = [...messages, { role: 'assistant', content: result.content }, { role: 'user', content: results }];
  }
  const skillCall = result.toolCalls.find((call) => skillOf(context, call));
  if (skillCall) {
    await started;
    const skill = skillOf(context, skillCall)!;
    const request = (skillCall.input as { request?: unknown }).request;
    context.log.info({ skill: skill.name }, 'Claude handed the request to a skill');
    await skill.run({ ...context, args: typeof request === 'string' && request.trim() ? request : args, handedOver: true });
    return;
  }
  const truncated = result.stopReason === 'max_tokens' ? '\n\n_(The answer was cut off at the length limit.)_' : '';
  // Not waiting for the placeholder first: one still waiting for the platform's rate limit then goes out with the
  // whole answer instead of taking an edit more. finish waits for it (and fails as it did, if it did).
  const sources = sourcesOf(answered);
  await reply.finish(result.text + truncated + sourcesFooter(context.message.platform, sources));
  saveAnswerText(context, result.text, result.usage.outputTokens, sources);
}

function skillOf(context: CommandContext, call: ToolCall): Skill | undefined {
  return context.commands.filter(isSkill).find((skill) => skillToolName(skill) === call.name);
}
