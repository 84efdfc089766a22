/**
 * What a worker tells a terminal, over Redis pub/sub: the shell's equivalent of a platform's post and edit calls.
 * Any worker on any machine can answer a shell session this way, exactly as it answers Slack or Discord.
 */
export type ShellEvent =
  | { type: 'post'; messageId: string; text: string }
  | { type: 'edit'; messageId: string; text: string }
  | { type: 'upload'; messageId: string; filename: string; mimeType: string; dataBase64: string; comment?: string }
  | { type: 'done'; deliveryId: string };

/** The pub/sub channel of one shell session. */
export function shellChannel(prefix: string, workspaceId: string, channelId: string): string {
  return `${prefix}:shell:${workspaceId}:${channelId}`;
}
