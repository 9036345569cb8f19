/** The command line as the tests run it: built once into dist-cli/, then bin/heirloom.mjs as a user would. */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Builds dist-cli/ (npm run build:cli); throws with the build's output when it fails. */
export function buildCli(): void {
  const build = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'cli/vite.config.ts'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`build:cli failed:\n${build.stdout}\n${build.stderr}`);
}

export interface CliRun {
  code: number | null;
  stderr: string;
}

/** Runs `heirloom <args>` from the repository root (no rebuild, CI output); resolves with its exit code and stderr. */
export function cli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'heirloom.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, HEIRLOOM_NO_REBUILD: '1', CI: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
