import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  EXPECTED_TABLES,
  POSTGRES_ADMIN_PASSWORD_SYNC,
  POSTGRES_SETUP_SCRIPT,
  SCHEMA_CHECK_SCRIPT,
  postgresBackupCronJobSpec,
  postgresDumpScript,
  redisConf,
} from "../../components/specs/gatewayData";
import { S3_PUT_FUNCTION, pruneScript } from "../../components/specs/gatewayPods";
import { hasCurl, startDouble } from "../fixtures/httpDouble";

/** A directory of fake commands (psql, pg_isready, pg_dump) that record how they were called. */
function fakeBin(commands: Record<string, string>): { dir: string; log: string } {
  const dir = mkdtempSync(join(tmpdir(), "bin-"));
  const log = join(dir, "calls.log");
  for (const [name, body] of Object.entries(commands)) {
    const file = join(dir, name);
    writeFileSync(file, `#!/bin/sh\nprintf '%s' "${name}" >> "${log}"; for a in "$@"; do printf ' [%s]' "$a" >> "${log}"; done; echo >> "${log}"\n${body}\n`);
    chmodSync(file, 0o755);
  }
  return { dir, log };
}

async function sh(script: string, env: Record<string, string>, path?: string): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await promisify(execFile)("sh", ["-c", script], {
      env: { ...process.env, ...env, ...(path ? { PATH: `${path}:${process.env.PATH}` } : {}) },
    });
    return { stdout, stderr, code: 0 };
  } catch (e: any) {
    return { stdout: e.stdout ?? "", stderr: e.stderr ?? "", code: e.code ?? 1 };
  }
}

describe("gateway data Jobs (scripts run with sh against fake Postgres tools and HTTP doubles)", function () {
  this.timeout(20000);

  describe("schema check after LiteLLM's migration", () => {
    /** psql that answers `t` for tables it has and `f` for the rest. */
    const psqlWith = (tables: string[]) => fakeBin({ psql: `case "$*" in ${tables.map((t) => `*'"${t}"'*) echo t ;;`).join(" ")} *) echo f ;; esac` });

    it("passes when every expected table exists", async () => {
      const bin = psqlWith(EXPECTED_TABLES);
      const out = await sh(SCHEMA_CHECK_SCRIPT, {}, bin.dir);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.trim(), `schema complete: ${EXPECTED_TABLES.length} expected tables present`);
      assert.match(readFileSync(bin.log, "utf8"), /SELECT to_regclass\('public\."LiteLLM_VerificationToken"'\) IS NOT NULL/);
    });

    it("fails, naming what is missing, after a migration that exited 0 with an empty schema", async () => {
      const out = await sh(SCHEMA_CHECK_SCRIPT, {}, psqlWith([]).dir);
      assert.equal(out.code, 1);
      assert.equal(out.stderr.trim(), `LiteLLM's schema is incomplete after the migration; missing: ${EXPECTED_TABLES.join(" ")}`);
    });

    it("fails when a single table is missing", async () => {
      const out = await sh(SCHEMA_CHECK_SCRIPT, {}, psqlWith(EXPECTED_TABLES.filter((t) => t !== "LiteLLM_VerificationToken")).dir);
      assert.equal(out.code, 1);
      assert.match(out.stderr, /missing: LiteLLM_VerificationToken$/m);
    });
  });

  describe("application role setup", () => {
    it("runs idempotent SQL as the admin with the passwords read by psql from the environment, never on a command line", async () => {
      const bin = fakeBin({ pg_isready: "exit 0", psql: `cat > "$(dirname "$0")/stdin.sql"` });
      const out = await sh(
        POSTGRES_SETUP_SCRIPT,
        { APP_ROLE: "litellm", APP_DATABASE: "litellm", APP_PASSWORD: "s3cret-app", PGPASSWORD: "s3cret-admin" },
        bin.dir,
      );
      assert.equal(out.code, 0, out.stderr);
      const calls = readFileSync(bin.log, "utf8");
      assert.doesNotMatch(calls, /s3cret/);
      const sql = readFileSync(join(bin.dir, "stdin.sql"), "utf8");
      assert.doesNotMatch(sql, /s3cret/);
      assert.match(sql, /^\\getenv app_password APP_PASSWORD$/m);
      assert.match(sql, /ALTER ROLE :"app_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';/);
      assert.match(sql, /WHERE NOT EXISTS \(SELECT FROM pg_roles WHERE rolname = :'app_role'\) \\gexec/, "creates the role only once");
      assert.match(sql, /ALTER DATABASE :"app_database" OWNER TO :"app_role";/);
      assert.match(calls, /^psql \[-v\] \[ON_ERROR_STOP=1\] \[-q\]$/m);
      assert.equal(out.stdout.trim(), "role litellm: not a superuser, password set, owns database litellm");
    });

    it("fails the Job when psql fails", async () => {
      const bin = fakeBin({ pg_isready: "exit 0", psql: "exit 3" });
      assert.equal((await sh(POSTGRES_SETUP_SCRIPT, { APP_ROLE: "r", APP_DATABASE: "d" }, bin.dir)).code, 3);
    });

    it("applies a rotated admin password at start over the local socket, retrying until the server listens on TCP", async () => {
      const bin = fakeBin({
        pg_isready: `n=$(cat "$(dirname "$0")/tries" 2>/dev/null || echo 0); echo $((n+1)) > "$(dirname "$0")/tries"; [ "$n" -ge 2 ]`,
        psql: `cat > "$(dirname "$0")/stdin.sql"`,
        sleep: "exit 0",
      });
      const out = await sh(POSTGRES_ADMIN_PASSWORD_SYNC, { POSTGRES_USER: "postgres", POSTGRES_PASSWORD: "new-admin" }, bin.dir);
      assert.equal(out.code, 0, out.stderr);
      const calls = readFileSync(bin.log, "utf8");
      assert.equal(
        calls.match(/^pg_isready \[-q\] \[-h\] \[127\.0\.0\.1\] \[-p\] \[5432\]$/gm)?.length,
        3,
        "waits for the TCP listener, not the socket-only init server",
      );
      assert.match(calls, /^psql \[-v\] \[ON_ERROR_STOP=1\] \[-q\] \[-h\] \[\/var\/run\/postgresql\] \[-U\] \[postgres\] \[-d\] \[postgres\]$/m);
      assert.match(readFileSync(join(bin.dir, "stdin.sql"), "utf8"), /ALTER ROLE :"admin_user" PASSWORD :'admin_password';/);
      assert.doesNotMatch(calls, /new-admin/);
    });
  });

  describe("logical backups", () => {
    it("dumps to the volume under a UTC name and keeps the newest `retain`", async () => {
      const backups = mkdtempSync(join(tmpdir(), "dumps-"));
      for (const day of ["01", "02", "03"]) writeFileSync(join(backups, `litellm-2026-11-${day}T02-30-00Z.dump`), "old");
      writeFileSync(join(backups, "unrelated.txt"), "keep me");
      const bin = fakeBin({ pg_dump: `for a in "$@"; do case "$a" in --file=*) printf 'PGDMP' > "\${a#--file=}";; esac; done` });
      const out = await sh(`${postgresDumpScript(backups)}\n${pruneScript(backups, "litellm-*.dump", 2)}`, { PGDATABASE: "litellm" }, bin.dir);
      assert.equal(out.code, 0, out.stderr);
      const files = readdirSync(backups).sort();
      assert.equal(files.length, 3, files.join(","));
      assert.equal(files[0], "litellm-2026-11-03T02-30-00Z.dump", "the two oldest dumps were deleted");
      assert.match(files[1]!, /^litellm-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.dump$/);
      assert.equal(files[2], "unrelated.txt");
      assert.equal(readFileSync(join(backups, files[1]!), "utf8"), "PGDMP");
      assert.match(out.stdout, /dumped database litellm: 5 bytes in litellm-/);
      assert.match(out.stdout, /deleted old backup litellm-2026-11-01T02-30-00Z\.dump\ndeleted old backup litellm-2026-11-02T02-30-00Z\.dump/);
      assert.match(readFileSync(bin.log, "utf8"), /^pg_dump \[--format=custom\] \[--file=.*\.partial\]$/m);
    });

    it("leaves no finished-looking file when pg_dump fails", async () => {
      const backups = mkdtempSync(join(tmpdir(), "dumps-"));
      const out = await sh(postgresDumpScript(backups), {}, fakeBin({ pg_dump: "exit 1" }).dir);
      assert.equal(out.code, 1);
      assert.deepEqual(
        readdirSync(backups).filter((f) => f.endsWith(".dump")),
        [],
      );
    });

    it("uploads to S3 with AWS Signature V4, credentials off the command line", async function () {
      if (!hasCurl()) this.skip();
      const seen: { method: string; path: string; auth?: string; sha?: string; body: string }[] = [];
      const s3 = await startDouble((req) => {
        seen.push({
          method: req.method,
          path: req.url.pathname,
          auth: req.headers.authorization as string,
          sha: req.headers["x-amz-content-sha256"] as string,
          body: req.body,
        });
        return { json: {} };
      });
      try {
        const dir = mkdtempSync(join(tmpdir(), "up-"));
        writeFileSync(join(dir, "litellm-x.dump"), "PGDMP-data");
        // curl, wrapped to record its command line (what `ps` in the pod would show).
        const realCurl = (await promisify(execFile)("sh", ["-c", "command -v curl"])).stdout.trim();
        const bin = fakeBin({ curl: `exec ${realCurl} "$@"` });
        const out = await sh(
          `set -eu\n${S3_PUT_FUNCTION}\ns3_put ${dir}/litellm-x.dump litellm-x.dump`,
          {
            S3_ENDPOINT: s3.url,
            S3_BUCKET: "backups",
            S3_REGION: "eu-central-1",
            S3_PREFIX: "prod/postgres",
            AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
            AWS_SECRET_ACCESS_KEY: "very-secret",
          },
          bin.dir,
        );
        assert.equal(out.code, 0, out.stderr);
        assert.match(readFileSync(bin.log, "utf8"), /^curl \[-K\] \[-\]/);
        assert.doesNotMatch(readFileSync(bin.log, "utf8"), /very-secret|AKIDEXAMPLE/);
        assert.equal(seen.length, 1);
        assert.equal(seen[0]!.method, "PUT");
        assert.equal(seen[0]!.path, "/backups/prod/postgres/litellm-x.dump", "path-style, under the prefix");
        assert.match(
          seen[0]!.auth!,
          /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-central-1\/s3\/aws4_request, SignedHeaders=[^,]*x-amz-content-sha256[^,]*, Signature=[0-9a-f]{64}$/,
        );
        assert.equal(seen[0]!.sha, "UNSIGNED-PAYLOAD");
        assert.equal(seen[0]!.body, "PGDMP-data");
        assert.equal(out.stdout.trim(), "uploaded litellm-x.dump to s3://backups/prod/postgres/litellm-x.dump");
      } finally {
        s3.close();
      }
    });

    it("dumps in an init container and uploads from a curl container when shipping to S3", () => {
      const cron = postgresBackupCronJobSpec({
        namespace: "gw",
        name: "gw-postgres-backup",
        instance: "gw",
        image: "postgres:17.6",
        curlImage: "curlimages/curl:8.16.0",
        host: "gw-postgres",
        secretName: "gw-postgres",
        schedule: "0 3 * * *",
        retain: 3,
        s3: { endpoint: "https://s3.example.com/", bucket: "b", region: "us-east-1", prefix: "", credentialsSecret: "s3" },
      }) as any;
      const pod = cron.spec.jobTemplate.spec.template.spec;
      assert.equal(pod.initContainers[0].image, "postgres:17.6");
      assert.equal(pod.containers[0].image, "curlimages/curl:8.16.0");
      assert.deepEqual(
        pod.volumes.map((v: any) => v.name),
        ["work", "tmp"],
        "no backup volume with S3",
      );
      assert.equal(pod.containers[0].env.find((e: any) => e.name === "S3_ENDPOINT").value, "https://s3.example.com", "trailing slash trimmed");
    });
  });

  it("writes redis.conf with the password and no persistence", () => {
    assert.equal(redisConf("pw"), 'requirepass pw\nsave ""\nappendonly no\nprotected-mode yes\n');
  });
});
