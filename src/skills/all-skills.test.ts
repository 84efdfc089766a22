import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SKILL_NAMES } from '../domain/channel-settings.js';
import { ALL_SKILLS } from './all-skills.js';

/** Production sources outside src/skills/ (tests may borrow a skill's helper). */
const coreSources = readdirSync('src', { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !file.startsWith('skills/'))
  .map((file) => `src/${file}`);

describe('the skill registry', () => {
  it('lists the same skills as the channel settings, so each can be turned on and off', () => {
    expect(ALL_SKILLS.map((skill) => skill.name)).toEqual([...SKILL_NAMES]);
  });

  it.each(ALL_SKILLS.map((skill) => skill.name))('finds the %s skill in src/skills/<name>/', (name) => {
    expect(existsSync(`src/skills/${name}/${name}-skill.ts`)).toBe(true);
  });

  it('is the only way into a skill: chat, the commands, the worker and the composition root name none', () => {
    expect(coreSources).toEqual(expect.arrayContaining(['src/commands/chat.ts', 'src/app/start-app.ts']));
    const naming = coreSources.filter((file) => /from '[./]*\/skills\/[\w-]+\//.test(readFileSync(file, 'utf8')));
    expect(naming).toEqual([]);
  });
});
