import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const pollMs = 100;

function holderAlive(lockPath: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath, "utf8"));
  } catch {
    return false; // gone meanwhile
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Runs `work` holding an exclusive lock file (created with O_EXCL, holding our pid), so two pulls of one blob do not
 * append to the same partial file. huggingface_hub takes an fcntl lock under .locks/ for the same reason; Node has no
 * flock, so a lock whose process is gone is stale and taken over. Waits while another live process (or another pull in
 * this one) holds it.
 */
export async function withBlobLock<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      mkdirSync(dirname(lockPath), { recursive: true });
      writeFileSync(lockPath, String(process.pid), { flag: "wx" });
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") continue; // the folder went with another pull's clean-up: make it again
      if (code !== "EEXIST") throw err;
      if (!holderAlive(lockPath)) {
        rmSync(lockPath, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
  try {
    return await work();
  } finally {
    rmSync(lockPath, { force: true });
    // Leave no empty .locks folders behind (the cache stays as the user left it).
    for (const dir of [dirname(lockPath), dirname(dirname(lockPath))]) {
      try {
        rmdirSync(dir);
      } catch {
        break; // not empty: another lock is there
      }
    }
  }
}
