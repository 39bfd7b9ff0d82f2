/**
 * A one-line progress display on stderr: on a TTY the line is redrawn in place
 * (at most every `everyMs`); elsewhere (CI, a pipe, a log file) a plain line is
 * written every `plainEveryMs`, so logs stay readable. stdout is left to the
 * summary.
 */
export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export function progressText(done: number, total: number, width: number, extra: string): string {
  const frac = total > 0 ? Math.min(1, done / total) : 1;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} ${Math.floor(frac * 100)}%${extra ? ` ${extra}` : ''}`;
}

export class Progress {
  private last = -Infinity;
  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    private readonly now: () => number,
    private readonly opts: { everyMs?: number; plainEveryMs?: number; width?: number } = {},
  ) {}

  update(done: number, extra = ''): void {
    const t = this.now();
    const every = this.stream.isTTY ? (this.opts.everyMs ?? 100) : (this.opts.plainEveryMs ?? 5_000);
    if (t - this.last < every) return;
    this.last = t;
    this.draw(done, extra);
  }

  finish(done: number, extra = ''): void {
    this.draw(done, extra);
    if (this.stream.isTTY) this.stream.write('\n');
  }

  private draw(done: number, extra: string): void {
    const line = progressText(done, this.total, this.opts.width ?? 30, extra);
    if (this.stream.isTTY) this.stream.write(`\r\x1b[2K${line}`);
    else this.stream.write(`${line}\n`);
  }
}
