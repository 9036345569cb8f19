/**
 * The batch runs in one tab at a time. Two tabs sharing the queue (IndexedDB) would each take
 * the photo "running" in the other for an interrupted one and restore it again. The tab holding
 * a Web Lock owns the queue; another waits for it (the browser releases the lock when the owning
 * tab closes, reloads or crashes) and then takes over.
 */
const LOCK = 'heirloom-batch-owner';

export interface BatchOwnership {
  /** True when another tab owned the queue as this one asked for it. */
  othersOwn: Promise<boolean>;
  /** Resolves once this tab owns the queue, which it then does for the rest of its life. */
  owned: Promise<void>;
}

export function ownBatchQueue(locks: LockManager | undefined = globalThis.navigator?.locks): BatchOwnership {
  if (!locks) return { othersOwn: Promise.resolve(false), owned: Promise.resolve() };
  let owned!: () => void;
  const ownership = new Promise<void>((resolve) => (owned = resolve));
  const othersOwn = locks.query().then((s) => !!s.held?.some((l) => l.name === LOCK), () => false);
  void locks.request(LOCK, () => {
    owned();
    return new Promise<never>(() => undefined); // held until the page goes away
  });
  return { othersOwn, owned: ownership };
}

/**
 * Whether the page was left normally (reload, close, navigation) while a photo was running,
 * remembered across the reload in localStorage, written synchronously in `pagehide` (a crash
 * or an out-of-memory kill fires no event). The queue does not count such a photo as
 * interrupted by a crash.
 */
const LEFT_KEY = 'heirloom-batch-left-while-running';

export function rememberLeavingWhileRunning(runningId: () => string | undefined): void {
  addEventListener('pagehide', () => {
    const id = runningId();
    try {
      if (id) localStorage.setItem(LEFT_KEY, id);
    } catch {
      /* storage blocked: a reload then counts as an interruption, as before */
    }
  });
}

/** The id remembered by rememberLeavingWhileRunning, once (it is cleared). */
export function takeLeftWhileRunning(): string | undefined {
  try {
    const id = localStorage.getItem(LEFT_KEY) ?? undefined;
    localStorage.removeItem(LEFT_KEY);
    return id;
  } catch {
    return undefined;
  }
}
