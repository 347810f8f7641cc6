/**
 * Turns ids into text one id at a time. Text is emitted only when the decoding of the pending ids no longer ends in
 * U+FFFD (half a UTF-8 character or an unfinished run of byte tokens). Already-emitted ids back to the last one that
 * is not a byte-fallback token are kept as left context, so decoders that look at the first token (Strip, Metaspace)
 * and byte-fallback groups (decoded as one run) behave as in one-shot decoding.
 * The concatenation of everything `push` and `flush` return equals `decode(allIds)`.
 */
export class StreamingDecoder {
  private ids: number[] = [];
  /** ids[0..readOffset) are emitted; ids[prefixOffset..readOffset) are kept as context */
  private prefixOffset = 0;
  private readOffset = 0;
  private prefixText = "";

  constructor(
    private readonly decodeIds: (ids: readonly number[]) => string,
    private readonly isByteToken: (id: number) => boolean,
  ) {}

  push(id: number): string {
    this.ids.push(id);
    const text = this.decodeIds(this.ids.slice(this.prefixOffset));
    if (text.length > this.prefixText.length && !text.endsWith("\ufffd") && text.startsWith(this.prefixText)) {
      const delta = text.slice(this.prefixText.length);
      this.advance();
      return delta;
    }
    return "";
  }

  /** Emits whatever is pending (e.g. an invalid byte sequence as U+FFFD) and starts over. */
  flush(): string {
    const text = this.decodeIds(this.ids.slice(this.prefixOffset));
    const delta = text.startsWith(this.prefixText) ? text.slice(this.prefixText.length) : text;
    this.ids = [];
    this.prefixOffset = 0;
    this.readOffset = 0;
    this.prefixText = "";
    return delta;
  }

  private advance(): void {
    // keep the emitted ids from the last non-byte token on as context; drop older ones so each push decodes a few ids
    this.readOffset = this.ids.length;
    let p = this.readOffset - 1;
    while (p > 0 && this.isByteToken(this.ids[p] as number)) p--;
    this.prefixOffset = p;
    if (this.prefixOffset > 64) {
      this.ids = this.ids.slice(this.prefixOffset);
      this.readOffset -= this.prefixOffset;
      this.prefixOffset = 0;
    }
    this.prefixText = this.decodeIds(this.ids.slice(this.prefixOffset, this.readOffset));
  }
}
