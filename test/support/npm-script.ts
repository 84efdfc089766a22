import { readFileSync } from 'node:fs';

/**
 * The node arguments of an npm script (`worker` → ['--max-semi-space-size=64', 'dist/src/main.js', 'worker']): tests
 * that start a process start it exactly as `npm run <script>` and the image do, without npm in between so that
 * signals reach it directly. The npm scripts' `pre…` build has run once for the whole test run (build-app.ts).
 */
export function nodeArgsOf(script: string): string[] {
  const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts;
  const command = scripts[script];
  if (!command) throw new Error(`package.json has no "${script}" script`);
  const [program, ...args] = command.split(' ');
  if (program !== 'node') throw new Error(`the "${script}" script no longer starts with node: ${command}`);
  return args;
}
