import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadManifests, validateManifest } from "./manifest-validators.js";
import type { KubeObject } from "./manifest-validators.js";
import { startServe } from "../server/serve-process.js";
import type { ServeProcess } from "../server/serve-process.js";

// Typed views of the few fields the cross-checks read; the schemas above vouch for the rest.
interface Container { args: string[]; ports: { name: string; containerPort: number }[]; lifecycle: { preStop: { sleep: { seconds: number } } } }
interface DeploymentView { spec: { template: { metadata: { labels: Record<string, string> }; spec: { terminationGracePeriodSeconds: number; containers: Container[] } } } }
interface PoolView { spec: { selector: { matchLabels: Record<string, string> }; targetPorts: { number: number }[]; endpointPickerRef: { name: string; port: { number: number } } } }
interface EngineConfig { name: string; queuedRequestsSpec: string; runningRequestsSpec: string; kvUsageSpec: string; loraSpec: string; cacheInfoSpec: string; cacheBlockSizeLabelName: string; cacheNumBlocksLabelName: string }
interface PickerConfig { kind: string; plugins: { type: string; parameters?: { engineConfigs?: EngineConfig[] } }[] }

const manifests = loadManifests();
const find = (kind: string, name: string): KubeObject => {
  const m = manifests.find((x) => x.object.kind === kind && x.object.metadata.name === name);
  if (!m) throw new Error(`deploy/kubernetes has no ${kind} ${name}`);
  return m.object;
};
const deployment = find("Deployment", "tsinfer") as unknown as DeploymentView;
const server = deployment.spec.template.spec.containers[0];
const pool = find("InferencePool", "tsinfer") as unknown as PoolView;
const eppConfigMap = find("ConfigMap", "tsinfer-epp") as unknown as { data: Record<string, string> };
const picker = parse(eppConfigMap.data["config.yaml"]) as PickerConfig;
const engine = picker.plugins.find((p) => p.type === "core-metrics-extractor")?.parameters?.engineConfigs?.find((e) => e.name === "tsinfer");
const flag = (args: string[], name: string) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

describe("deploy/kubernetes manifests", () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.object.kind} ${m.object.metadata.name}`, m.object] as const))("%s validates", (_, object) => {
    expect(validateManifest(object)).toEqual([]);
  });

  it("rejects a planted error: a wrong field type in the Deployment and the InferencePool, an unknown pool field", () => {
    const badDeployment = structuredClone(find("Deployment", "tsinfer")) as unknown as DeploymentView;
    (badDeployment.spec.template.spec.containers[0].ports[0] as { containerPort: unknown }).containerPort = "8000";
    expect(validateManifest(badDeployment as unknown as KubeObject).join("\n")).toMatch(/containerPort|integer/);
    const badPool = structuredClone(pool);
    (badPool.spec.targetPorts[0] as { number: unknown }).number = "8000";
    expect(validateManifest(badPool as unknown as KubeObject).join("\n")).toMatch(/targetPorts\/0\/number must be integer/);
    const typo = structuredClone(pool) as unknown as { spec: Record<string, unknown> };
    typo.spec.targetPort = [{ number: 8000 }];
    expect(validateManifest(typo as unknown as KubeObject).join("\n")).toMatch(/additional properties.*"targetPort"/);
    expect(validateManifest({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } })).toEqual(["no schema for example.com/v1/Widget"]);
  });

  it("wires the pieces together: pool → pods, pool → picker, engine label, grace period ≥ preStop + drain", () => {
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(pool.spec.selector.matchLabels)) expect(labels[k]).toBe(v);
    expect(server.ports.map((p) => p.containerPort)).toContain(pool.spec.targetPorts[0].number);
    expect(flag(server.args, "port")).toBe(String(pool.spec.targetPorts[0].number));
    const eppService = find("Service", pool.spec.endpointPickerRef.name) as unknown as { spec: { ports: { port: number }[] } };
    expect(eppService.spec.ports.map((p) => p.port)).toContain(pool.spec.endpointPickerRef.port.number);
    const epp = find("Deployment", "tsinfer-epp") as unknown as DeploymentView;
    expect(flag(epp.spec.template.spec.containers[0].args, "pool-name")).toBe(find("InferencePool", "tsinfer").metadata.name);
    expect(picker.kind).toBe("EndpointPickerConfig");
    expect(labels["llm-d.ai/engine-type"]).toBe(engine?.name);
    const drainS = Number(flag(server.args, "drain-timeout"));
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(server.lifecycle.preStop.sleep.seconds + drainS + 5);
  });

  it("scales on the queue gauge: the HPA's metric is the adapter's name for the EPP's queue metric", () => {
    const hpa = find("HorizontalPodAutoscaler", "tsinfer") as unknown as { spec: { metrics: { pods: { metric: { name: string } } }[] } };
    const adapter = find("ConfigMap", "tsinfer-prometheus-adapter-rules") as unknown as { data: Record<string, string> };
    const rules = (parse(adapter.data["config.yaml"]) as { rules: { seriesQuery: string; name: { matches: string; as: string } }[] }).rules;
    expect(rules[0].name.as).toBe(hpa.spec.metrics[0].pods.metric.name);
    expect(rules[0].seriesQuery.split("{")[0]).toBe(engine?.queuedRequestsSpec);
    expect(new RegExp(rules[0].name.matches).test(engine?.queuedRequestsSpec ?? "")).toBe(true);
  });
});

describe("the Endpoint Picker's engineConfigs name what tsinfer serve exports", () => {
  let serve: ServeProcess;
  let metricsText = "";
  beforeAll(async () => {
    // The Deployment's own flags (model, bind address and port aside): the manifest's serve line must be accepted.
    const args = server.args.slice(1).filter((a) => !/^--(model|host|port)=/.test(a));
    serve = await startServe(args);
    metricsText = await (await fetch(`${serve.url}/metrics`)).text();
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
  });

  const typeOf = (name: string) => new RegExp(`^# TYPE ${name.replace(/[:.]/g, "\\$&")} (\\w+)$`, "m").exec(metricsText)?.[1];
  const samples = (name: string) => metricsText.split("\n").filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));

  it("has queue, running and KV-usage gauges under the configured names, LoRA off", () => {
    expect(engine).toBeDefined();
    for (const spec of [engine?.queuedRequestsSpec, engine?.runningRequestsSpec, engine?.kvUsageSpec]) {
      expect(typeOf(spec ?? ""), `${spec} in /metrics`).toBe("gauge");
      expect(samples(spec ?? "")).toHaveLength(1);
    }
    const kv = Number(samples(engine?.kvUsageSpec ?? "")[0].split(" ").pop());
    expect(kv).toBeGreaterThanOrEqual(0);
    expect(kv).toBeLessThanOrEqual(1);
    expect(engine?.loraSpec).toBe("");
  });

  it("has the cache_config_info gauge with the configured block-size and block-count labels", () => {
    const name = engine?.cacheInfoSpec ?? "";
    expect(typeOf(name), `${name} in /metrics`).toBe("gauge");
    const [line] = samples(name);
    const label = (k: string) => new RegExp(`[{,]${k}="(\\d+)"`).exec(line ?? "")?.[1];
    expect(Number(label(engine?.cacheBlockSizeLabelName ?? ""))).toBe(16);
    expect(Number(label(engine?.cacheNumBlocksLabelName ?? ""))).toBeGreaterThan(0);
  });
});
