import { buildPrompt } from '../../claude/build-prompt.js';
import { formatBytes } from '../../attachments/format-bytes.js';
import { UserFacingError } from '../../domain/errors.js';
import { addToQuestion } from '../../turn/add-to-question.js';
import { callModel } from '../../turn/call-model.js';
import { openTurn } from '../../turn/open-turn.js';
import { saveAnswerText } from '../../turn/save-answer-text.js';
import { codeForModel, gatherCode, MAX_FILES } from './code-sources.js';
import type { Skill } from '../skill.js';
import { parseFindings, renderReport, REPORT_FINDINGS } from './findings-report.js';

const INSTRUCTIONS = [
  'You are reviewing code for the people in this thread. The code comes after the latest message, each source with a',
  'label and numbered lines. Look for what matters: bugs, security holes, data loss, races, resource leaks,',
  'performance traps, then maintainability; do not pad the list with trivia or style nits. Call report_findings once.',
  'verdict: one line on the overall state of the code. findings: one per distinct problem, with severity (critical:',
  'exploitable hole, data loss or a crash in normal use; high: wrong results or frequent failure; medium: fails in',
  'edge cases, or a serious performance or maintainability problem; low: minor; info: a remark), location as',
  'label:line (or label:first-last), the problem and what it leads to, and a concrete fix (a short code block where',
  'it helps). If nothing is worth reporting, give no findings and say so in the verdict. Write in the language of the',
  'latest message.',
].join(' ');

/** `analyze`: reviews pasted or attached code and reports findings, most severe first, under a one-line verdict. */
export const analyzeSkill: Skill = {
  name: 'analyze',
  aliases: ['分析', 'analyse'],
  summary: 'Reviews pasted or attached code and reports its problems, most severe first.',
  example: 'analyze the code above',
  takesArgs: true,
  triggers: [
    /分析(?:一下|下)?(?:这段|这个|这些|以下|下面的?|上面的?|我的)?代码/,
    /(?:审查|审核|评审|检查)(?:一下|下)?(?:这段|这个|这些|以下|下面的?|上面的?|我的)?代码/,
    /代码(?:分析|审查|审核|评审)/,
    /\b(?:analy[sz]e|review|audit)\s+(?:this|the|my|our|that|these|following)\s+(?:[\w+#-]+\s+){0,2}?code\b(?!\s+of\b)/i,
  ],
  toolDescription:
    'Review source code for bugs, security and performance problems and report findings by severity. Use it when the ' +
    'user asks to analyze, review or check code they pasted in a code block, attached as a file, or posted earlier in the thread.',
  async run(context) {
    const { reply } = context;
    await reply.start('_Reading the code…_');
    const history = await openTurn(context, { maxFileBytes: Math.min(context.config.analyze.maxFileBytes, context.config.attachments.maxBytes) });
    const { sources, skipped } = await gatherCode(context, history);
    if (sources.length === 0) {
      const notCode = context.args.trim() && context.message.attachments.length === 0;
      const text = [
        ...skipped.map((s) => `⚠️ ${s}`),
        howToGiveCode(context.config.analyze.maxFileBytes),
        // "analyze the market for us" starts with the command word but is a question: say how to ask it.
        ...(notCode ? ['_Not about code? Start with `ask` and I will answer it as a question._'] : []),
      ].join('\n\n');
      await reply.finish(text);
      saveAnswerText(context, text);
      return;
    }
    // The question's text files are the numbered sources below; sent as attachments too they would come twice.
    const asked = history.map((m, i) => (i === history.length - 1 && m.files ? { ...m, files: m.files.filter((f) => f.kind !== 'text') } : m));
    const prompt = buildPrompt(`${context.settings.systemPrompt}\n\n${INSTRUCTIONS}`, asked, context.config.historyTokenBudget);
    // Claude handed the request over from chat, restated: the restatement is the request.
    if (context.args !== history.at(-1)?.text) addToQuestion(prompt.messages, `The request, restated: ${context.args}`);
    addToQuestion(prompt.messages, codeForModel(sources));
    const result = await callModel(context, {
      system: prompt.system,
      messages: prompt.messages,
      structured: REPORT_FINDINGS,
      // Finding real bugs is where thinking pays: the model decides how much, at high effort.
      reasoning: 'adaptive',
      effort: 'high',
      onThinking: () => reply.status('is reading the code…'),
    });
    if (result.structured === undefined) throw new UserFacingError('I could not finish the analysis (Claude gave no findings). Please try again.');
    const text = renderReport(parseFindings(result.structured), sources, skipped);
    await reply.finish(text);
    saveAnswerText(context, text);
  },
};

function howToGiveCode(maxFileBytes: number): string {
  return [
    'I found no code to analyze. Give it to me in one of these ways:',
    '• paste it in a code block: `analyze` then the code between ``` fences;',
    `• attach it as a file (text or code, such as .py, .ts, .go, .sql; up to ${formatBytes(maxFileBytes)}, at most ${MAX_FILES} files) to a message that says \`analyze\`;`,
    '• or paste it in this thread first, then say `analyze the code above`.',
  ].join('\n');
}
