export interface HaproxyLayout {
  proxyPort: number;
  statsPort: number;
  /** host:port of each replica. */
  replicas: string[];
  checkIntervalMs: number;
  /** The replicas' --parallel + --max-queue. */
  maxconn: number;
}
export declare const SHIPPED_HAPROXY_CFG: URL;
export declare function renderHaproxyConfig(shipped: string, l: HaproxyLayout): string;
export declare function readShippedConfig(): string;
