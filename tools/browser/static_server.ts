/**
 * A small static file server on a loopback port: the test pages, the bundles and the test video,
 * with HTTP Range requests (a <video> seeks by asking for byte ranges; without them Chromium
 * cannot seek at all). GET and HEAD only; paths never leave the root.
 */
import { extname, join, normalize } from "node:path";

export interface StaticServer {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  close(): Promise<void>;
}

export interface StaticServerOptions {
  /** The folder served at /. */
  readonly root: string;
  /** Extra URL paths mapped to files anywhere ("/media/test.webm" → a cached video). */
  readonly files?: Readonly<Record<string, string>>;
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".webm": "video/webm",
  ".mp4": "video/mp4",
};

export type ByteRange = { readonly start: number; readonly end: number };

/**
 * The one range a `Range` header asks for in a file of `size` bytes: a range (end inclusive),
 * "unsatisfiable", or null when the whole file should be sent (no header, several ranges, or
 * a header this server does not understand, which RFC 9110 lets a server ignore).
 */
export function parseRange(
  header: string | null,
  size: number,
): ByteRange | "unsatisfiable" | null {
  if (header === null) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first, last] = match;
  if (first === "" && last === "") return null;
  if (first === "") {
    // The last N bytes.
    const suffix = Number(last);
    if (suffix === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return "unsatisfiable";
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return null;
  return { start, end };
}

/** `length` bytes of an open file from `start`, closing it at the end or on cancel. */
function slice(file: Deno.FsFile, start: number, length: number): ReadableStream<Uint8Array> {
  let left = length;
  let positioned = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        if (!positioned) {
          await file.seek(start, Deno.SeekMode.Start);
          positioned = true;
        }
        if (left <= 0) {
          file.close();
          controller.close();
          return;
        }
        const buffer = new Uint8Array(Math.min(left, 64 * 1024));
        const read = await file.read(buffer);
        if (read === null) {
          file.close();
          controller.close();
          return;
        }
        left -= read;
        controller.enqueue(buffer.subarray(0, read));
      } catch (error) {
        try {
          file.close();
        } catch { /* closed already */ }
        controller.error(error);
      }
    },
    cancel() {
      try {
        file.close();
      } catch { /* closed already */ }
    },
  }, { highWaterMark: 0 });
}

function resolvePath(options: StaticServerOptions, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  const mapped = options.files?.[path];
  if (mapped) return mapped;
  if (path.includes("\0") || path.split("/").includes("..")) return null;
  const normalized = normalize(path.endsWith("/") ? `${path}index.html` : path);
  return join(options.root, normalized);
}

export async function serveFile(request: Request, file: string): Promise<Response> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file);
  } catch {
    return new Response("not found", { status: 404 });
  }
  if (!info.isFile) return new Response("not found", { status: 404 });
  const size = info.size;
  const headers: Record<string, string> = {
    "content-type": TYPES[extname(file)] ?? "application/octet-stream",
    "accept-ranges": "bytes",
    "cache-control": "no-cache",
    "access-control-allow-origin": "*",
  };
  const range = parseRange(request.headers.get("range"), size);
  if (range === "unsatisfiable") {
    return new Response(null, {
      status: 416,
      headers: { ...headers, "content-range": `bytes */${size}` },
    });
  }
  const start = range?.start ?? 0;
  const length = range ? range.end - range.start + 1 : size;
  if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${size}`;
  headers["content-length"] = String(length);
  const status = range ? 206 : 200;
  if (request.method === "HEAD") return new Response(null, { status, headers });
  const handle = await Deno.open(file, { read: true });
  return new Response(slice(handle, start, length), { status, headers });
}

export function startStaticServer(options: StaticServerOptions): StaticServer {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request) => {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("method not allowed", { status: 405, headers: { allow: "GET, HEAD" } });
      }
      const file = resolvePath(options, new URL(request.url).pathname);
      if (!file) return new Response("not found", { status: 404 });
      return serveFile(request, file);
    },
  );
  const port = server.addr.port;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    close: () => server.shutdown(),
  };
}
