// kv/: the paged KV cache (block pool with byte accounting, per-sequence block tables, fork / copy-on-write).
export { PagedKvCache, type KvCacheOptions } from "./paged-kv-cache.js";
export { BlockPool } from "./block-pool.js";
export { checkKvBudget } from "./kv-budget.js";
export { ContextOverflowError, KvCacheFullError } from "./kv-cache-errors.js";
export {
  KV_TYPES, checkKvDim, describeKvCache, kvBytesPerElement, kvBytesPerToken, parseKvType, type KvType,
} from "../kernels/kv-layer.js";
