// Fills the shipped haproxy.cfg in with real addresses: the test (tests/deploy) and the benchmark (bench/replicas)
// run this file rather than a copy of it. Everything but the bind lines, the server lines, the check interval and
// maxconn stays as shipped.
import { readFileSync } from "node:fs";

export const SHIPPED_HAPROXY_CFG = new URL("./haproxy.cfg", import.meta.url);

/**
 * @param {string} shipped the text of haproxy.cfg
 * @param {{ proxyPort: number, statsPort: number, replicas: string[], checkIntervalMs: number, maxconn: number }} l
 */
export function renderHaproxyConfig(shipped, l) {
  const replace = (text, pattern, by) => {
    if (!pattern.test(text)) throw new Error(`deploy/haproxy/haproxy.cfg no longer has a line matching ${pattern}`);
    return text.replace(pattern, by);
  };
  let cfg = replace(shipped, /^(\s*bind\s+)127\.0\.0\.1:8000$/m, `$1127.0.0.1:${l.proxyPort}`);
  cfg = replace(cfg, /^(\s*bind\s+)127\.0\.0\.1:8404$/m, `$1127.0.0.1:${l.statsPort}`);
  cfg = replace(cfg, /( inter )2s /, `$1${l.checkIntervalMs} `);
  cfg = replace(cfg, /( maxconn )72 /, `$1${l.maxconn} `);
  const servers = l.replicas.map((addr, i) => `    server replica${i + 1} ${addr}`).join("\n");
  return replace(cfg, /^(\s*server replica\d+ \S+\n)+/m, `${servers}\n`);
}

export function readShippedConfig() {
  return readFileSync(SHIPPED_HAPROXY_CFG, "utf8");
}
