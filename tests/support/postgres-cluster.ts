/**
 * A throwaway PostgreSQL cluster for the store suites: `initdb` in a temporary folder, the server
 * listening on a Unix socket in that folder only (no TCP port), stopped and removed by `stop()`,
 * and on process exit as a last resort. As root (CI), the server runs as the `postgres` user, which
 * PostgreSQL requires. The binaries come from Debian's `postgresql` package (scripts/setup.sh);
 * `PG_BIN` overrides their folder.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Cluster {
  /** The socket folder: `host` for a client. */
  socketDir: string;
  user: string;
  stop(): void;
}

function binDir(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, "bin", "initdb"))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error("PostgreSQL is not installed (run scripts/setup.sh): no /usr/lib/postgresql/*/bin/initdb");
  return join(root, versions[0]!, "bin");
}

export function startCluster(): Cluster {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "batch-router-pg-"));
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const full = join(bin, command);
    execFileSync(asRoot ? "runuser" : full, asRoot ? ["-u", "postgres", "--", full, ...args] : args, { stdio: "pipe" });
  };
  if (asRoot) {
    const { uid, gid } = userIds("postgres");
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, "data");
  let running = false;
  const stop = () => {
    if (running) {
      running = false;
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      stop();
      process.exit(128 + (signal === "SIGINT" ? 2 : 15));
    });
  }
  try {
    run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
    running = true;
    run("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-o", `-c listen_addresses='' -k ${dir} -c fsync=off -c max_connections=40`, "start"]);
  } catch (error) {
    stop();
    throw error;
  }
  return { socketDir: dir, user: "postgres", stop };
}

function userIds(name: string): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", name]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", name]).toString().trim());
  return { uid, gid };
}
