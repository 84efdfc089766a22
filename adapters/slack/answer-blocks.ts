import type { AnswerControls } from '../../src/domain/egress.js';

/** The action ids of the buttons on an answer; Bolt routes block_actions by them (slack-interactions.ts). */
export const SLACK_ACTION = {
  stop: 'xiaoliu_stop',
  regenerate: 'xiaoliu_regenerate',
  good: 'xiaoliu_good',
  bad: 'xiaoliu_bad',
  /** Slack's native feedback buttons (one element, two buttons): the value says which was pressed. */
  feedback: 'xiaoliu_feedback',
  /** "Remember this": keeps the fact Claude suggested with the answer (src/memory/suggest-memory-tool.ts). */
  remember: 'xiaoliu_remember',
  /** A tool call waiting for its asker (src/tools/tool-approval.ts): the value is the approval's id. */
  approve: 'xiaoliu_approve',
  deny: 'xiaoliu_deny',
} as const;

// "Maximum length for the text in this field is 3000 characters" (section block, text:
// https://docs.slack.dev/reference/block-kit/blocks/section-block).
const SECTION_MAX_CHARS = 3000;

const button = (actionId: string, text: string, answerId: string, style?: 'primary' | 'danger') => ({
  type: 'button',
  action_id: actionId,
  text: { type: 'plain_text', text, emoji: true },
  // A button's value is at most 2,000 characters (https://docs.slack.dev/reference/block-kit/block-elements/button-element).
  value: answerId,
  ...(style ? { style } : {}),
});

/**
 * The blocks of an answer message with its buttons: once a message has blocks Slack shows them instead of `text`
 * ("text will be used as fallback text for notifications only", chat.postMessage), so the text goes first, in mrkdwn
 * sections cut at line ends under the section limit, then the buttons. No controls (or 'none'): no blocks.
 */
export function answerBlocks(mrkdwn: string, controls: AnswerControls | undefined): unknown[] {
  if (!controls || controls.state === 'none') return [];
  const sections = sectionsOf(mrkdwn).map((text) => ({ type: 'section', text: { type: 'mrkdwn', text } }));
  return [...sections, { type: 'actions', block_id: `xiaoliu_${controls.state}`, elements: buttonsOf(controls) }];
}

/**
 * The blocks chat.stopStream puts under a streamed answer ("rendered at the bottom of the message",
 * https://docs.slack.dev/reference/methods/chat.stopStream): Slack's native feedback buttons for AI apps (a
 * context_actions block with a feedback_buttons element,
 * https://docs.slack.dev/reference/block-kit/blocks/context-actions-block), and Regenerate.
 */
export function streamEndBlocks(controls: AnswerControls | undefined): unknown[] {
  if (!controls || controls.state === 'none' || controls.state === 'streaming') return [];
  const { answerId } = controls;
  const thumb = (text: string, verdict: string) => ({ text: { type: 'plain_text', text }, value: `${verdict}|${answerId}` });
  return [
    {
      type: 'context_actions',
      elements: [{ type: 'feedback_buttons', action_id: SLACK_ACTION.feedback, positive_button: thumb('👍', 'good'), negative_button: thumb('👎', 'bad') }],
    },
    { type: 'actions', block_id: `xiaoliu_${controls.state}`, elements: [button(SLACK_ACTION.regenerate, '🔄 Regenerate', answerId), ...rememberButton(controls)] },
  ];
}

function buttonsOf(controls: AnswerControls): unknown[] {
  const { answerId, state } = controls;
  if (state === 'streaming') return [button(SLACK_ACTION.stop, '⏹ Stop', answerId, 'danger')];
  if (state === 'approval') return [button(SLACK_ACTION.approve, '✅ Approve', answerId, 'primary'), button(SLACK_ACTION.deny, '✖ Deny', answerId, 'danger')];
  return [
    button(SLACK_ACTION.regenerate, '🔄 Regenerate', answerId),
    button(SLACK_ACTION.good, '👍', answerId),
    button(SLACK_ACTION.bad, '👎', answerId),
    ...rememberButton(controls),
  ];
}

/** "Remember this", where Claude suggested a fact with the answer. */
function rememberButton({ answerId, remember }: AnswerControls): unknown[] {
  return remember ? [button(SLACK_ACTION.remember, '🧠 Remember this', answerId, 'primary')] : [];
}

/** The text in pieces of at most SECTION_MAX_CHARS, cut at a line end where one is near (joined by '\n' they are it). */
function sectionsOf(text: string): string[] {
  const pieces: string[] = [];
  let rest = text || ' ';
  while (rest.length > SECTION_MAX_CHARS) {
    const cut = rest.lastIndexOf('\n', SECTION_MAX_CHARS);
    const at = cut > SECTION_MAX_CHARS / 2 ? cut : SECTION_MAX_CHARS;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at === cut ? at + 1 : at);
  }
  pieces.push(rest);
  return pieces;
}
