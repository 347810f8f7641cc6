// kv/: the paged KV store (storage per backend) and the prefix cache, the only allocator of its blocks.
export { KvStore, type KvStoreOptions, type KvBatchTables } from "./kv-store.js";
export { PrefixCache, ROOT_CONTENT, type PrefixCacheStats, type TokenSequence } from "./prefix-cache.js";
export { hashBlock, type BlockHasher } from "./block-hash.js";
export { checkKvBudget } from "./kv-budget.js";
export { parseKvCacheSize } from "./kv-cache-size.js";
export { ContextOverflowError } from "./kv-cache-errors.js";
export {
  KV_TYPES, checkKvDim, describeKvCache, kvBytesPerElement, kvBytesPerToken, parseKvType, type KvType,
} from "../kernels/kv-layer.js";
