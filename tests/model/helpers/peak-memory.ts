import { readFileSync, writeFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

setFlagsFromString("--expose-gc");
/** V8's full collection, reachable without starting node with --expose-gc. */
export const collectGarbage = runInNewContext("gc") as () => void;

function vmHwmBytes(): number {
  const kb = /VmHWM:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1];
  return kb === undefined ? process.resourceUsage().maxRSS * 1024 : Number(kb) * 1024;
}

/**
 * Peak RSS growth over windows of work: each window starts after a full GC, with Linux's peak-RSS mark reset
 * (/proc/self/clear_refs 5), and ends reading that mark, so a transient spike within the window counts; the
 * result is the largest growth any window saw. Without clear_refs it falls back to the process's lifetime peak.
 */
export class PeakMemory {
  maxGrowthBytes = 0;
  private startRss = 0;

  begin(): void {
    collectGarbage();
    try {
      writeFileSync("/proc/self/clear_refs", "5");
    } catch {
      // not Linux: the lifetime peak (maxRSS) is compared instead, which can only overstate the growth
    }
    this.startRss = process.memoryUsage().rss;
  }

  end(): void {
    this.maxGrowthBytes = Math.max(this.maxGrowthBytes, vmHwmBytes() - this.startRss);
  }
}
