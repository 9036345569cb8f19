/**
 * scripts/device-tree.sh: a GPU lease copies every tracked file (64 MiB at most, carried packs
 * included), and the repository is over 100 MiB. `hide` must leave only what training reads, keep
 * the named checkpoints, and `restore` must give back exactly the index and exclude file there were.
 * Run in a throwaway clone, never in the working copy.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

describe('scripts/device-tree.sh', () => {
  it('hides the app models, cards, docs and unnamed checkpoints from what travels, and restores them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'heirloom-device-tree-'));
    try {
      execFileSync('git', ['clone', '-q', '--shared', root, dir]);
      copyFileSync(join(root, 'scripts', 'device-tree.sh'), join(dir, 'scripts', 'device-tree.sh')); // the version under test
      const sh = (...args: string[]) => execFileSync('bash', [join(dir, 'scripts', 'device-tree.sh'), ...args], { cwd: dir, encoding: 'utf8' });
      const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
      const files = git('ls-files');
      const exclude = readFileSync(join(dir, '.git', 'info', 'exclude'), 'utf8');
      const status = git('status', '--porcelain');
      const before = Number(sh('size'));

      const kept = 'models/upscale/checkpoints/sr-x4.pt';
      sh('hide', kept);
      const travelling = git('ls-files', '--cached', '--others', '--exclude-standard').split('\n');
      expect(travelling.filter((f) => /^(public\/models|models\/cards|docs)\//.test(f))).toEqual([]);
      expect(travelling.filter((f) => f.includes('/checkpoints/'))).toEqual([kept]);
      expect(travelling).toContain('models/upscale/train.py');
      expect(travelling).toContain('models/repair/common.py');
      expect(Number(sh('size'))).toBeLessThan(Math.min(16, before / 4));
      expect(() => sh('hide')).toThrow(); // twice would lose the first exclude block

      sh('restore');
      expect(git('ls-files')).toBe(files);
      expect(git('status', '--porcelain')).toBe(status);
      expect(readFileSync(join(dir, '.git', 'info', 'exclude'), 'utf8')).toBe(exclude);
      expect(() => sh('hide', 'models/no/such.pt')).toThrow();
      expect(git('ls-files')).toBe(files); // a refused hide changes nothing
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
