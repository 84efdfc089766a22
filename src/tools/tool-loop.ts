import type Anthropic from '@anthropic-ai/sdk';
import type { ChatResult, ToolCall } from '../claude/claude-client.js';
import type { CommandContext } from '../commands/command.js';
import { MAX_SEARCH_ROUNDS, runSearch, SEARCH_TOOL, SEARCH_TOOL_NAME } from '../knowledge/search-tool.js';
import { runSuggestMemory, SUGGEST_MEMORY_TOOL, SUGGEST_MEMORY_TOOL_NAME } from '../memory/suggest-memory-tool.js';
import { THINKING_STATUS } from '../render/reply-writer.js';
import { sourcesFooter, sourcesOf } from '../render/sources.js';
import { isSkill, type Skill } from '../skills/skill.js';
import { skillToolName, skillTools } from '../skills/skill-tools.js';
import { saveAnswerText } from '../turn/save-answer-text.js';
import { mcpCatalogOf, mcpToolDefinitions, type McpCatalog, type McpToolEntry } from './mcp-catalog.js';
import { callModelThroughPauses } from './continue-paused.js';
import { runMcpCall } from './run-mcp-call.js';
import { thinkingRequest } from './thinking-setting.js';
import { pauseForApproval } from './tool-approval.js';
import { showWebWork } from './web-activity.js';
import { webToolsFor } from './web-tools.js';

/** Where a turn is: what the model is asked with, and how far its loop has gone. */
export interface LoopTurn {
  system: Anthropic.TextBlockParam[];
  messages: Anthropic.MessageParam[];
  /** Model calls made so far; MCP_MAX_TOOL_STEPS bounds it. */
  step: number;
  /** The MCP tools used and how they went, shown under the answer. */
  used: string[];
}

/** The tools of a turn: what Claude is offered, and the channel's MCP tools behind their names. */
export interface TurnTools {
  definitions: Anthropic.ToolUnion[];
  mcp: McpCatalog;
}

/** How a loop ended: with an answer, by handing the request to a skill, or paused for an approval. */
export type LoopEnd =
  | { kind: 'answer'; result: ChatResult; note?: string }
  | { kind: 'skill'; skill: Skill; call: ToolCall }
  | { kind: 'paused' };

/**
 * Claude's tools in this channel: hand-over to a skill, the search of the channel's history (`config knowledge on`),
 * "shall I remember this?" (src/memory/suggest-memory-tool.ts), Anthropic's web search and fetch where an admin turned
 * them on (`config web`, run by the API: src/tools/web-tools.ts) and the MCP tools an admin turned on here (`mcp enable`).
 */
export async function turnTools(context: CommandContext): Promise<TurnTools> {
  const mcp = await mcpCatalogOf(context);
  const definitions = [
    ...skillTools(context.commands, context.settings.skills),
    ...(context.settings.knowledge ? [SEARCH_TOOL] : []),
    SUGGEST_MEMORY_TOOL,
    ...webToolsFor(context.settings),
    ...mcpToolDefinitions(mcp),
  ];
  return { definitions, mcp };
}

/**
 * The tool loop: model call → tool calls → tool results → next model call, until the model answers, hands the
 * request to a skill, or a call must wait for its asker's approval (the turn is then stored and this job ends; the
 * click continues it, src/tools/tool-approval.ts). Every model call goes through callModel, so each step is held
 * against and counted in the budgets; the assistant's content goes back unmodified (thinking blocks and their
 * signatures included, as the API requires in a tool loop).
 */
export async function runToolLoop(context: CommandContext, turn: LoopTurn, tools: TurnTools): Promise<LoopEnd> {
  const { reply } = context;
  const maxSteps = context.config.mcp.maxSteps;
  let searchRounds = 0;
  for (;;) {
    turn.step++;
    // A paused server-tool turn (web search) is continued within one step: src/tools/continue-paused.ts.
    const result = await callModelThroughPauses(context, {
      system: turn.system,
      messages: turn.messages,
      ...(tools.definitions.length ? { tools: tools.definitions } : {}),
      // A conversation: by default the model thinks where a question needs it, at medium effort (the 5.5 default,
      // high, makes every chat answer slower and dearer than a thread reply should be); `config thinking` changes it.
      ...thinkingRequest(context.settings.thinking),
      onThinking: () => reply.status(THINKING_STATUS),
      onServerTool: showWebWork(reply),
      onText: (_delta, soFar) => reply.stream(soFar),
      onRetry: () => reply.stream(''),
    });
    const calls = result.toolCalls;
    const handOver = calls.find((call) => skillOf(context, call));
    if (handOver) return { kind: 'skill', skill: skillOf(context, handOver)!, call: handOver };
    if (!calls.length || result.stopReason !== 'tool_use') return { kind: 'answer', result };
    const mcpCalls = calls.filter((call) => tools.mcp.has(call.name));
    // Past its searches, an answer ends with what it has written.
    if (!mcpCalls.length && searchRounds >= MAX_SEARCH_ROUNDS) return { kind: 'answer', result };
    if (turn.step >= maxSteps) return { kind: 'answer', result, note: `_(I stopped after ${maxSteps} steps with tools; ask again to go on.)_` };
    if (calls.some((call) => call.name === SEARCH_TOOL_NAME)) searchRounds++;
    const results: Anthropic.ToolResultBlockParam[] = [];
    let pending: { call: ToolCall; entry: McpToolEntry } | undefined;
    for (const call of calls) {
      const entry = tools.mcp.get(call.name);
      if (call.name === SEARCH_TOOL_NAME && context.settings.knowledge) results.push(await runSearch(context, call));
      else if (call.name === SUGGEST_MEMORY_TOOL_NAME) results.push(await runSuggestMemory(context, call));
      else if (!entry) results.push({ type: 'tool_result', tool_use_id: call.id, content: `There is no tool named ${call.name} here.`, is_error: true });
      else if (!entry.needsApproval) {
        const ran = await runMcpCall(context, call, entry.server, entry.tool.name);
        turn.used.push(ran.line);
        results.push(ran.block);
      } else if (pending) {
        results.push({ type: 'tool_result', tool_use_id: call.id, content: 'Not run: one call that needs approval at a time. Call it again once the other is answered.', is_error: true });
      } else {
        pending = { call, entry };
        // Its place among the results; filled in once the asker has decided.
        results.push({ type: 'tool_result', tool_use_id: call.id, content: '' });
      }
    }
    if (pending) {
      await pauseForApproval(context, { ...turn }, result, results, pending);
      return { kind: 'paused' };
    }
    turn.messages = [...turn.messages, { role: 'assistant', content: result.content }, { role: 'user', content: results }];
  }
}

/** Ends the turn as the loop did: the skill takes over, or the answer is posted with the tools used under it. */
export async function finishTurn(context: CommandContext, end: LoopEnd, turn: LoopTurn, started: Promise<void>): Promise<void> {
  if (end.kind === 'paused') return;
  if (end.kind === 'skill') {
    await started;
    const request = (end.call.input as { request?: unknown }).request;
    context.log.info({ skill: end.skill.name }, 'Claude handed the request to a skill');
    await end.skill.run({ ...context, args: typeof request === 'string' && request.trim() ? request : context.args, handedOver: true });
    return;
  }
  const { result } = end;
  const truncated = result.stopReason === 'max_tokens' ? '\n\n_(The answer was cut off at the length limit.)_' : '';
  const tools = turn.used.length ? `\n\n_Tools: ${turn.used.join(' · ')}_` : '';
  const note = end.note ? `\n\n${end.note}` : '';
  // The web pages cited or read in any step of this turn (earlier steps' content is in the turn's messages; the
  // history before it is stored text, which has none).
  const earlier = turn.messages.flatMap((m) => (m.role === 'assistant' && Array.isArray(m.content) ? m.content : []));
  const sources = sourcesOf([...earlier, ...result.content]);
  // Not waiting for the placeholder first: one still waiting for the platform's rate limit then goes out with the
  // whole answer instead of taking an edit more. finish waits for it (and fails as it did, if it did).
  await context.reply.finish(result.text + truncated + note + tools + sourcesFooter(context.message.platform, sources));
  saveAnswerText(context, result.text, result.usage.outputTokens, sources);
}

function skillOf(context: CommandContext, call: ToolCall): Skill | undefined {
  return context.commands.filter(isSkill).find((skill) => skillToolName(skill) === call.name);
}
