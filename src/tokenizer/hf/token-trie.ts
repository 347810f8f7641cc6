interface TrieNode {
  children: Map<number, TrieNode> | null;
  /** index of the token ending here, or -1 */
  value: number;
}

/** A character trie over token strings that finds leftmost-longest matches (aho-corasick's LeftmostLongest). */
export class TokenTrie {
  private readonly root: TrieNode = { children: new Map(), value: -1 };
  /** 1 for each UTF-16 code unit some token starts with */
  private readonly firstUnits = new Uint8Array(65536);
  size = 0;

  insert(text: string, value: number): void {
    if (text.length === 0) return;
    this.firstUnits[text.charCodeAt(0)] = 1;
    let node = this.root;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      node.children ??= new Map();
      let child = node.children.get(c);
      if (child === undefined) {
        child = { children: null, value: -1 };
        node.children.set(c, child);
      }
      node = child;
    }
    if (node.value < 0) this.size++;
    node.value = value;
  }

  /**
   * The longest token starting at `start`: returns its end (exclusive) and sets `lastValue`, or returns -1.
   */
  longestAt(text: string, start: number): number {
    let node = this.root.children!.get(text.charCodeAt(start));
    let end = -1;
    let i = start + 1;
    while (node !== undefined) {
      if (node.value >= 0) {
        end = i;
        this.lastValue = node.value;
      }
      if (node.children === null || i >= text.length) break;
      node = node.children.get(text.charCodeAt(i++));
    }
    return end;
  }

  lastValue = -1;

  /** Whether any token starts with this UTF-16 code unit (a cheap pre-check before longestAt). */
  startsWith(code: number): boolean {
    return this.firstUnits[code] === 1;
  }
}
