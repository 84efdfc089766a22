import { execFileSync } from 'node:child_process';

/**
 * vitest's globalSetup: `npm run build` once before any test file runs. Tests that start Xiaoliu as a process run the
 * compiled dist/ as production does, so it must be the code under test, never an older build; when nothing changed
 * the build only confirms that (under a second).
 */
export function setup(): void {
  try {
    execFileSync('npm', ['run', '--silent', 'build'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so the processes the tests start would run an old dist/: fix it first.\n${stdout ?? ''}${stderr ?? ''}`);
  }
}
