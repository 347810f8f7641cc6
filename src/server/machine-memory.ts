import { readFileSync } from "node:fs";
import { freemem } from "node:os";

/**
 * Memory this process may still take: the system's available memory (os.freemem reads MemAvailable on Linux),
 * or less when a cgroup v2 limit (a container's) leaves less (memory.max - memory.current).
 */
export function machineFreeMemoryBytes(): number {
  const free = freemem();
  const limit = readCgroupNumber("/sys/fs/cgroup/memory.max");
  const used = readCgroupNumber("/sys/fs/cgroup/memory.current");
  if (limit === null || used === null) return free;
  return Math.max(0, Math.min(free, limit - used));
}

function readCgroupNumber(path: string): number | null {
  try {
    const text = readFileSync(path, "utf8").trim();
    if (text === "max") return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : null;
  } catch {
    return null;
  }
}
