// arch/: one file per architecture (config mapping, GGUF metadata, tensor names, weight adjustments, block wiring)
// and the registry.
export { archs, archByName, archForGguf, archForHfModelType } from "./registry.js";
export { hfNameMapper } from "./hf-names.js";
export { configFromGguf, configFromHf } from "./config-mapping.js";
