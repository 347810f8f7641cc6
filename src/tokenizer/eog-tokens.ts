// Token texts that end a turn or the generation, besides the declared EOS (llama-vocab.cpp's EOG list, which also
// forces these tokens to control type).
export const END_OF_GENERATION_TEXTS: readonly string[] = [
  "<|eot_id|>",
  "<|im_end|>",
  "<|end|>",
  "<|return|>",
  "<|call|>",
  "<|flush|>",
  "<|calls|>",
  "<end_of_turn>",
  "<|endoftext|>",
  "</s>",
  "<|eom_id|>",
  "<EOT>",
  "_<EOT>",
  "[EOT]",
  "[EOS]",
  "<|end_of_text|>",
  "<end_of_utterance>",
  "<eos>",
  "<turn|>",
  "<|tool_response>",
];

/** EOS first, then every other end-of-generation token present in the vocabulary. */
export function collectEosIds(eosId: number | null, lookup: (text: string) => number | undefined): number[] {
  const ids: number[] = eosId === null ? [] : [eosId];
  for (const t of END_OF_GENERATION_TEXTS) {
    const id = lookup(t);
    if (id !== undefined && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
