/**
 * Stands in for node:timers/promises in the browser bundle (see web/engine-demo/vite.config.ts): the engine's
 * generate loop awaits setImmediate() between tokens when asked to yield. A MessageChannel turn is the browser's
 * closest match (setTimeout(0) is clamped to 4 ms after a few nested calls).
 */
export function setImmediate(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
