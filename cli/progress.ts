/** The run's progress on stderr: a redrawn bar on a terminal, plain lines otherwise (logs, CI). */

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 9950) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export interface ProgressState {
  done: number;
  total: number;
  /** Sum of the finished fraction of files in flight (0..1 each), for a smooth bar and ETA. */
  partial: number;
  current: string[];
  startedAt: number;
}

export class ProgressBar {
  private lastDraw = 0;
  private drawn = false;
  constructor(
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly tty = Boolean(process.stderr.isTTY) && !process.env.CI,
  ) {}

  eta(s: ProgressState, now = performance.now()): number | undefined {
    const effective = s.done + s.partial;
    if (effective <= 0) return undefined;
    return ((now - s.startedAt) / effective) * (s.total - effective);
  }

  /** Redraws the bar (terminal only; at most 10 times a second unless forced). */
  update(s: ProgressState, force = false): void {
    if (!this.tty) return;
    const now = performance.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = Math.max(40, this.out.columns || 100);
    const frac = s.total ? Math.min(1, (s.done + s.partial) / s.total) : 1;
    const barLen = 20;
    const filled = Math.round(frac * barLen);
    const eta = this.eta(s, now);
    const head =
      `[${'#'.repeat(filled)}${'-'.repeat(barLen - filled)}] ${s.done}/${s.total} files ` +
      `${Math.floor(frac * 100)}%  ETA ${eta === undefined ? '...' : formatDuration(eta)}  `;
    let cur = s.current.join(', ');
    const room = width - head.length - 1;
    if (cur.length > room) cur = room > 3 ? '…' + cur.slice(cur.length - room + 1) : '';
    this.out.write(`\r\x1b[2K${head}${cur}`);
    this.drawn = true;
  }

  /** A line that stays (a finished or failed file, a message), printed above the bar. */
  line(text: string): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.out.write(text + '\n');
    this.drawn = false;
  }

  finish(): void {
    if (this.tty && this.drawn) this.out.write('\r\x1b[2K');
    this.drawn = false;
  }

  get isTty(): boolean {
    return this.tty;
  }
}
