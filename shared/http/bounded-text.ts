/**
 * A response body's text, read at most `maxBytes`: past that the rest is never read (the stream
 * is cancelled) and the read fails with a message naming `what`. For pages a replica serves to
 * the proxy's scraper and the cluster aggregator (`/metrics`, `/health`, `/v1/models`): a real
 * engine's page is tens to a few hundred KB, and an endless or huge one (a buggy exporter, a label
 * explosion in one app's image) must not be buffered and parsed for the whole scrape timeout by
 * a process that serves every app on the cluster.
 */
/**
 * The most of a replica's page the aggregator reads (the proxy's scraper reads less, and a slice
 * at a time: proxy/src/replica-metrics-page.ts). vLLM's `/metrics` with
 * histograms and LoRA labels stays well under 1 MB; past this the page is not read on: at
 * loopback speed an endless page would otherwise be buffered and parsed on the event loop for the
 * whole scrape timeout.
 */
export const MAX_REPLICA_PAGE_BYTES = 4 * 1024 * 1024;

export async function boundedText(res: Response, maxBytes: number, what: string): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`${what} is larger than ${maxBytes} bytes`);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
