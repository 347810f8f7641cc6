// arch/: one file per architecture (config mapping, tensor names, block wiring) and the registry.
export { archs, archByName, archForGguf, archForHfModelType } from "./registry.js";
export { hfNameMapper } from "./hf-names.js";
export { configFromGguf, configToGgufKvs } from "./gguf-mapping.js";
