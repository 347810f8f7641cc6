/**
 * Finds stop strings in streamed text, also when one spans several tokens. Text that could still be the start of
 * a stop string is held back until the next piece decides it; the stop string itself is never emitted
 * (OpenAI semantics: the output ends just before it).
 */
export class StopStrings {
  private pending = "";
  private stoppedFlag = false;
  private readonly maxHold: number;

  constructor(private readonly stops: readonly string[]) {
    this.stops = stops.filter((s) => s.length > 0);
    this.maxHold = Math.max(0, ...this.stops.map((s) => s.length - 1));
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  /** Adds decoded text; returns the text that is now safe to emit (once stopped, always ""). */
  push(piece: string): string {
    if (this.stoppedFlag) return "";
    const text = this.pending + piece;
    if (this.stops.length === 0) return text;
    let cut = -1;
    for (const stop of this.stops) {
      const at = text.indexOf(stop);
      if (at >= 0 && (cut < 0 || at < cut)) cut = at;
    }
    if (cut >= 0) {
      this.stoppedFlag = true;
      this.pending = "";
      return text.slice(0, cut);
    }
    const hold = this.holdLength(text);
    this.pending = text.slice(text.length - hold);
    return text.slice(0, text.length - hold);
  }

  /** At the end of generation: the held-back text (it turned out not to start a stop string). */
  flush(): string {
    const rest = this.pending;
    this.pending = "";
    return this.stoppedFlag ? "" : rest;
  }

  // Length of the longest suffix of text that is a proper prefix of some stop string.
  private holdLength(text: string): number {
    for (let len = Math.min(this.maxHold, text.length); len > 0; len--) {
      const suffix = text.slice(text.length - len);
      if (this.stops.some((s) => s.length > len && s.startsWith(suffix))) return len;
    }
    return 0;
  }
}
