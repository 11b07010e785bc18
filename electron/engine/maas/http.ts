/**
 * One HTTP exchange over a keep-alive connection, with an idle timeout and an AbortSignal. Bodies are
 * Buffers sent with an explicit Content-Length (MAAS answers a body without one with "Missing data.").
 */
import http from 'node:http';
import https from 'node:https';
import { MaasConnectionError, MaasTimeoutError } from './errors';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
  /** Longest silence on the socket (ms) before giving up on the request. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** The request went out on a connection that an earlier request had used (keep-alive). */
  reusedSocket: boolean;
}

/** Responses larger than this are refused: MAAS's answers on this path are small JSON documents. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

export class HttpTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4, keepAliveMsecs: 30_000 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4, keepAliveMsecs: 30_000 });

  request(req: HttpRequest): Promise<HttpResponse> {
    return new Promise<HttpResponse>((resolve, reject) => {
      const { method, url } = req;
      const where = `${url.origin}${url.pathname}`;
      if (req.signal?.aborted) {
        reject(abortReason(req.signal));
        return;
      }
      const isHttps = url.protocol === 'https:';
      const headers: Record<string, string> = { ...req.headers };
      if (req.body) headers['Content-Length'] = String(req.body.byteLength);
      const clientRequest = (isHttps ? https : http).request(url, {
        method,
        headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
      });

      let settled = false;
      let response: HttpResponse | undefined;
      const finish = (error?: unknown) => {
        if (settled) return;
        settled = true;
        req.signal?.removeEventListener('abort', onAbort);
        if (error !== undefined) reject(error);
        else if (response) resolve(response);
      };
      const onAbort = () => clientRequest.destroy(abortReason(req.signal));
      req.signal?.addEventListener('abort', onAbort, { once: true });

      clientRequest.setTimeout(req.timeoutMs, () => {
        clientRequest.destroy(new MaasTimeoutError({ method, url: where, timeoutMs: req.timeoutMs }));
      });

      clientRequest.on('response', (res) => {
        const chunks: Buffer[] = [];
        let length = 0;
        res.on('data', (chunk: Buffer) => {
          length += chunk.length;
          if (length > MAX_RESPONSE_BYTES) {
            clientRequest.destroy(
              new MaasConnectionError(
                `${method} ${where}: the answer is larger than ${MAX_RESPONSE_BYTES} bytes`,
                {
                  method,
                  url: where,
                },
              ),
            );
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          response = {
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks, length),
            reusedSocket: clientRequest.reusedSocket,
          };
          // Resolve once the request has fully let go of the body buffer (the caller reuses it).
          if (clientRequest.writableFinished || clientRequest.destroyed) finish();
        });
        res.on('error', (err) => finish(connectionError(err, method, where, clientRequest.reusedSocket)));
      });
      clientRequest.on('close', () => {
        // A complete answer wins over a late write error (a region that answers 413 and closes
        // while the body is still going out).
        if (response) finish();
        else if (req.signal?.aborted) finish(abortReason(req.signal));
        else
          finish(
            connectionError(
              new Error('socket hang up'),
              method,
              where,
              clientRequest.reusedSocket,
              'ECONNRESET',
            ),
          );
      });
      clientRequest.on('finish', () => {
        if (response) finish();
      });
      clientRequest.on('error', (err) => {
        if (response) return;
        if (req.signal?.aborted) finish(abortReason(req.signal));
        else finish(connectionError(err, method, where, clientRequest.reusedSocket));
      });
      const body =
        req.body && !Buffer.isBuffer(req.body)
          ? Buffer.from(req.body.buffer, req.body.byteOffset, req.body.byteLength)
          : req.body;
      clientRequest.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error(typeof reason === 'string' ? reason : 'aborted');
  error.name = 'AbortError';
  return error;
}

function connectionError(
  err: unknown,
  method: string,
  where: string,
  reusedSocket: boolean,
  fallbackCode?: string,
): unknown {
  if (err instanceof MaasConnectionError) return err;
  if (err instanceof Error && err.name === 'AbortError') return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? fallbackCode;
  const message = err instanceof Error ? err.message : String(err);
  const readable =
    code === 'ECONNREFUSED'
      ? 'connection refused (is the region running, and is the URL right?)'
      : code === 'ENOTFOUND'
        ? 'host not found'
        : code === 'ECONNRESET' || message === 'socket hang up'
          ? 'the connection was reset before an answer came'
          : message;
  return new MaasConnectionError(`${method} ${where}: ${readable}`, {
    code,
    method,
    url: where,
    cause: err,
    reusedSocket,
  });
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
