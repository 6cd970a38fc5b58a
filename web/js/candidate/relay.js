// The interview's WebSocket to the relay: admission with a fresh ticket, messages both ways, and
// reconnection when the network drops (the relay then repeats the question and the words kept).

import { ApiError, request } from "../api.js";

const RETRY_SECONDS = [0.5, 1, 2, 4, 8];

// Close codes of the relay (realtime-relay/README.md).
const FINISHED = 4000;
const BAD_TICKET = 4401;
const WRONG_SESSION = 4403;
const TAKEN_OVER = 4409;
const ABUSE = 4429;
const CANNOT_RUN = 4422;
const WITHDRAWN = 4410; // the recruiter erased the interview or revoked its link

export class Interview {
  /**
   * handlers: message(json), audio(arraybuffer), status("connecting"|"open"|"reconnecting"),
   * finished(), stopped(reason) — stopped means no reconnection will be tried.
   */
  constructor(sessionId, invite, mode, handlers) {
    this.sessionId = sessionId;
    this.invite = invite;
    this.mode = mode;
    this.handlers = handlers;
    this.socket = null;
    this.failures = 0;
    this.closing = false;
    this.retry = null;
  }

  async connect() {
    this.handlers.status(this.failures ? "reconnecting" : "connecting");
    let ticket;
    try {
      ticket = await request(`/sessions/${this.sessionId}/connect/`, { invite: this.invite });
    } catch (error) {
      if (error instanceof ApiError && error.status === 409) return this.handlers.finished();
      if (error instanceof ApiError && error.status < 500 && error.status !== 429) {
        return this.stop("This interview link no longer works. Ask the recruiter for a new one.");
      }
      return this.again();
    }
    if (this.closing) return;
    const socket = new WebSocket(ticket.relay_url);
    socket.binaryType = "arraybuffer";
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: "start", mode: this.mode, ticket: ticket.ticket }));
      this.handlers.status("open");
    };
    socket.onmessage = ({ data }) => {
      this.failures = 0;
      if (typeof data === "string") this.handlers.message(JSON.parse(data));
      else this.handlers.audio(data);
    };
    socket.onclose = (event) => this.closed(socket, event.code);
    this.socket = socket;
  }

  closed(socket, code) {
    if (socket !== this.socket || this.closing) return;
    this.socket = null;
    if (code === FINISHED) return this.handlers.finished();
    if (code === TAKEN_OVER) return this.stop("This interview was opened in another window. Continue there, or reload this page to continue here.");
    if (code === CANNOT_RUN) return this.stop("This interview cannot take place as it was set up. Please contact the recruiter.");
    if (code === WITHDRAWN) return this.stop("This interview is no longer available. Please contact the recruiter.");
    if (code === ABUSE || code === WRONG_SESSION) return this.stop("The connection was closed by the interview service. Reload the page to continue.");
    if (code === BAD_TICKET) this.failures = Math.max(this.failures, 1); // a fresh ticket, at once
    return this.again();
  }

  again() {
    const delay = RETRY_SECONDS[Math.min(this.failures, RETRY_SECONDS.length - 1)];
    this.failures += 1;
    this.handlers.status("reconnecting");
    this.retry = setTimeout(() => this.connect(), delay * 1000);
  }

  stop(reason) {
    this.close();
    this.handlers.stopped(reason);
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  send(message) {
    if (!this.open) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  sendAudio(pcm) {
    if (this.open && this.socket.bufferedAmount < 64 * 1024) this.socket.send(pcm);
  }

  setMode(mode) {
    this.mode = mode;
    this.send({ type: "start", mode });
  }

  close() {
    this.closing = true;
    clearTimeout(this.retry);
    this.socket?.close(1000, "left the page");
    this.socket = null;
  }
}
