import { describe, expect, it } from 'vitest';
import type { CommandContext } from './command.js';
import { createDefaultRouter } from './default-router.js';
import { helpCommand } from './help.js';

describe('help', () => {
  it('lists every command in one Discord message (under 2,000 characters)', async () => {
    const { commands } = createDefaultRouter();
    let text = '';
    // Only what help reads: the commands, and a reply that keeps the text.
    const context = { commands, reply: { finish: async (t: string) => void (text = t) } } as unknown as CommandContext;
    await helpCommand.run(context);
    expect(text).toContain('`console link`');
    expect(text.length).toBeLessThan(2000);
  });
});
