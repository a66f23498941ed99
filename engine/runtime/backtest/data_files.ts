/**
 * The one directory backtests read data from (`BACKTEST_DIR`): data files are
 * named by their path relative to it, uploads are stored in it under a
 * generated folder, and nothing outside it (absolute paths, `..`, symlinks
 * leading out) is ever read. A refused path gets the same answer whether or
 * not something exists there, so requests cannot probe the server's files.
 */
import { isAbsolute, join, relative, sep } from "node:path";
import { ServiceUnavailableError, ValidationError } from "../errors.ts";
import { stringProblem } from "../storable_text.ts";

/** Names of recordings a backtest can replay (recorded stream JSONL, CSV dumps, optionally gzip). */
export const DATA_FILE = /\.(jsonl|csv)(\.gz)?$/i;

const UPLOAD_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const UPLOADS = "uploads";
/** Folder levels listed below the directory (`uploads/<id>/file` is three). */
const LIST_DEPTH = 3;
/** At most this many files are listed. */
const LIST_LIMIT = 1000;

/** A data file: its path relative to the directory (what users see) and the real one (what is read). */
export interface DataFile {
  readonly relative: string;
  readonly absolute: string;
}

/** Data files of one backtest directory. */
export class DataFiles {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * The file `data` names inside the directory, after following symlinks; a
   * 422 {@link ValidationError} with one message for every path that is not
   * a recording inside it, whether or not it exists.
   */
  async resolve(data: string): Promise<DataFile> {
    const refused = new ValidationError("no such data file", [{
      path: "data",
      message: `'${data}' is not a recording (.jsonl or .csv, optionally .gz) in the backtest ` +
        "directory; give its path relative to that directory (GET /api/backtests/data lists them)",
    }], 422);
    const outward = isAbsolute(data) || /^([A-Za-z]:|[\\/])/.test(data) ||
      data.split(/[\\/]/).includes("..");
    if (outward || stringProblem(data) || !DATA_FILE.test(data)) throw refused;
    try {
      const root = await Deno.realPath(this.#dir);
      const absolute = await Deno.realPath(join(root, data));
      if (!absolute.startsWith(root + sep) || !(await Deno.stat(absolute)).isFile) {
        throw refused;
      }
      return { relative: relative(root, absolute), absolute };
    } catch {
      throw refused;
    }
  }

  /** Recordings in the directory (a few levels deep), as paths relative to it, sorted. */
  async list(): Promise<string[]> {
    const found: string[] = [];
    const walk = async (sub: string, depth: number): Promise<void> => {
      let entries: Deno.DirEntry[];
      try {
        entries = await Array.fromAsync(Deno.readDir(join(this.#dir, sub)));
      } catch {
        return; // no such folder: nothing to list
      }
      for (const entry of entries) {
        if (found.length >= LIST_LIMIT) return;
        const path = sub ? `${sub}/${entry.name}` : entry.name;
        if (entry.isFile && DATA_FILE.test(entry.name)) found.push(path);
        else if (entry.isDirectory && depth < LIST_DEPTH) await walk(path, depth + 1);
      }
    };
    await walk("", 1);
    return found.sort();
  }

  /**
   * Stores an uploaded recording as `uploads/<generated id>/<name>` (the name
   * keeps its meaning: CSV dumps carry symbol and timeframe in it) and
   * returns its relative path; a failed or empty upload leaves nothing behind.
   */
  async save(
    name: string,
    chunks: AsyncIterable<Uint8Array>,
  ): Promise<{ data: string; bytes: number }> {
    if (!UPLOAD_NAME.test(name) || !DATA_FILE.test(name)) {
      throw new ValidationError("invalid file name", [{
        path: "name",
        message: `'${name}' must be 1–128 of A-Z, a-z, 0-9, '.', '_' and '-' ending in .jsonl, ` +
          ".csv, .jsonl.gz or .csv.gz (e.g. BTCUSDT-1m-2025-01-01.csv)",
      }]);
    }
    const folder = `${UPLOADS}/${crypto.randomUUID()}`;
    const dir = join(this.#dir, folder);
    let file: Deno.FsFile;
    try {
      await Deno.mkdir(dir, { recursive: true });
      file = await Deno.open(join(dir, name), { write: true, createNew: true });
    } catch {
      throw new ServiceUnavailableError("the backtest directory cannot store uploads");
    }
    let bytes = 0;
    const counted = async function* () {
      for await (const chunk of chunks) {
        bytes += chunk.length;
        yield chunk;
      }
    };
    try {
      await ReadableStream.from(counted()).pipeTo(file.writable);
      if (bytes === 0) {
        throw new ValidationError("empty upload", [{
          path: "body",
          message: `send the file's content as the request body (${name} had none)`,
        }]);
      }
    } catch (error) {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
      throw error;
    }
    return { data: `${folder}/${name}`, bytes };
  }
}
