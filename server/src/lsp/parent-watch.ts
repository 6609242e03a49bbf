/**
 * Ends the server when the editor that started it is gone, so no orphan keeps a model in memory:
 * checks every `intervalMs` that the LSP client's processId (from initialize) is alive and that our
 * own parent has not changed (a dead parent re-parents us). stdin's end is handled by the connection.
 */

export interface ParentWatch {
  setClientPid(pid: number | null | undefined): void;
  stop(): void;
}

export function watchParent(intervalMs: number, onGone: (why: string) => void): ParentWatch {
  const initialParent = process.ppid;
  let clientPid: number | undefined;
  const timer = setInterval(() => {
    if (clientPid !== undefined && !isAlive(clientPid)) return onGone(`client process ${clientPid} is gone`);
    if (process.ppid !== initialParent) return onGone(`parent process ${initialParent} is gone`);
  }, intervalMs);
  timer.unref();
  return {
    setClientPid(pid) {
      clientPid = typeof pid === 'number' && Number.isInteger(pid) && pid > 0 ? pid : undefined;
    },
    stop() {
      clearInterval(timer);
    },
  };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
