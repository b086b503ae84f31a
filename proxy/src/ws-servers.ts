/**
 * `ws` servers for client upgrades, one per message-size limit: `maxPayload` is
 * fixed per server, and each app's `requests.maxBodyBytes` bounds its WebSocket
 * messages too. A frame over the limit is refused by `ws` while it is being
 * read (close 1009) instead of buffered up to `ws`'s 100 MiB default.
 */
import { WebSocketServer } from 'ws';

export class WebSocketServers {
  private readonly byLimit = new Map<number, WebSocketServer>();

  /** The (shared) server whose messages are at most `maxPayload` bytes. */
  forLimit(maxPayload: number): WebSocketServer {
    let s = this.byLimit.get(maxPayload);
    if (s === undefined) {
      s = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload });
      this.byLimit.set(maxPayload, s);
    }
    return s;
  }
}
