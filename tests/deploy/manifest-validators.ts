import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import type { ValidateFunction } from "ajv";
import { parse, parseAllDocuments } from "yaml";
import { ConfigMap, Namespace, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";

export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };
export interface Manifest { file: string; object: KubeObject }

export const MANIFEST_DIR = "deploy/kubernetes";
const CRD_FILE = "tests/deploy/schemas/inference.networking.k8s.io_inferencepools.yaml";

/** Every document of every deploy/kubernetes/*.yaml, in file order. */
export function loadManifests(dir = MANIFEST_DIR): Manifest[] {
  const out: Manifest[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      if (doc.errors.length > 0) throw new Error(`${file}: ${doc.errors[0].message}`);
      const object = doc.toJS() as KubeObject | null;
      if (object !== null) out.push({ file, object });
    }
  }
  return out;
}

// Core kinds validate with kubernetes-models, whose JSON schemas are generated from Kubernetes' OpenAPI spec.
type ModelClass = new (data: never) => { validate(): void };
const CORE_MODELS: Record<string, ModelClass> = {
  "v1/Namespace": Namespace,
  "v1/Service": Service,
  "v1/ServiceAccount": ServiceAccount,
  "v1/ConfigMap": ConfigMap,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "rbac.authorization.k8s.io/v1/Role": Role,
  "rbac.authorization.k8s.io/v1/RoleBinding": RoleBinding,
};

/**
 * The CRD's openAPIV3Schema as a JSON schema: objects with listed properties reject unknown fields, as
 * `kubectl apply` (strict field validation) does; int32/int64 are range checks. x-kubernetes-validations are
 * CEL, which ajv cannot run (see tests/deploy/schemas/PROVENANCE.md).
 */
function compileCrd(version: string): ValidateFunction {
  const crd = parse(readFileSync(CRD_FILE, "utf8")) as { spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] } };
  const entry = crd.spec.versions.find((v) => v.name === version);
  if (!entry) throw new Error(`${CRD_FILE} has no version ${version}`);
  const keywords = new Set<string>();
  const strictify = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(strictify);
    if (node === null || typeof node !== "object") return;
    const o = node as Record<string, unknown>;
    for (const k of Object.keys(o)) if (k.startsWith("x-kubernetes-")) keywords.add(k);
    if (o.type === "object" && o.properties && o.additionalProperties === undefined && !o["x-kubernetes-preserve-unknown-fields"]) {
      o.additionalProperties = false;
    }
    if (o.properties) Object.values(o.properties as object).forEach(strictify);
    for (const k of ["items", "additionalProperties"]) if (typeof o[k] === "object") strictify(o[k]);
  };
  const schema = structuredClone(entry.schema.openAPIV3Schema);
  strictify(schema);
  const intIn = (bits: number) => ({ type: "number" as const, validate: (n: number) => Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n < 2 ** (bits - 1) });
  const ajv = new Ajv({ allErrors: true, strict: true, formats: { int32: intIn(32), int64: intIn(64), "date-time": true } });
  for (const k of keywords) ajv.addKeyword(k);
  return ajv.compile(schema);
}

let inferencePoolV1: ValidateFunction | undefined;

/** Validation errors of one object ([] when it is valid); a kind with no schema here is an error too. */
export function validateManifest(object: KubeObject): string[] {
  const key = `${object.apiVersion}/${object.kind}`;
  if (key === "inference.networking.k8s.io/v1/InferencePool") {
    inferencePoolV1 ??= compileCrd("v1");
    if (inferencePoolV1(object)) return [];
    return (inferencePoolV1.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
  }
  const Model = CORE_MODELS[key];
  if (!Model) return [`no schema for ${key}`];
  try {
    new Model(object as never).validate();
    return [];
  } catch (err) {
    return [String(err instanceof Error ? err.message : err)];
  }
}
