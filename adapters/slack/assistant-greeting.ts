import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../src/log/create-logger.js';

/** One suggested prompt per thing Xiaoliu does; Slack shows up to four under the greeting. */
export const SUGGESTED_PROMPTS = [
  { title: 'Ask anything', message: 'Explain the difference between a process and a thread, briefly.' },
  { title: 'Summarize', message: 'Summarize the key points of this text for me: ' },
  { title: '用中文问', message: '用三句话解释什么是数据库索引。' },
  { title: 'What can you do?', message: 'help' },
];

export const GREETING = "Hi, I'm Xiaoliu (小柳). Ask me anything here; I remember what we said in this thread.";

/**
 * Slack's assistant side panel opened a new thread: greet, and offer prompts to start from. Failures are logged,
 * not thrown, so Slack does not redeliver the event and greet twice.
 */
export async function greetAssistantThread(client: WebClient, channelId: string, threadTs: string, log: Logger): Promise<void> {
  try {
    await client.assistant.threads.setSuggestedPrompts({ channel_id: channelId, thread_ts: threadTs, prompts: SUGGESTED_PROMPTS });
    await client.chat.postMessage({ channel: channelId, thread_ts: threadTs, text: GREETING });
  } catch (error) {
    log.warn({ err: error, channelId }, 'could not greet in the assistant panel');
  }
}
