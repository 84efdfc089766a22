import type Anthropic from '@anthropic-ai/sdk';

/**
 * Adds material for this turn only (the code to analyze, the document to revise) to the question, the last user
 * turn, after the cached prefix: the earlier turns stay byte-identical, so they are still read from the cache.
 */
export function addToQuestion(messages: Anthropic.MessageParam[], text: string): void {
  const question = messages.at(-1);
  if (question?.role === 'user' && Array.isArray(question.content)) question.content.push({ type: 'text', text });
  else messages.push({ role: 'user', content: [{ type: 'text', text }] });
}
