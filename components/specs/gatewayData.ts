import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { imageVersion, selectorLabels, standardLabels } from "./labels";
import { fromSecret, resourcesOf, type ComputeResources } from "./k8s";
import { SECRET_HASH_ANNOTATION } from "./gatewayCrypto";
import {
  JOB_ANNOTATIONS,
  S3_PUT_FUNCTION,
  SMALL_JOB_RESOURCES,
  TMP_MOUNT,
  TMP_VOLUME,
  hardenedContainer,
  hardenedPod,
  pruneScript,
  s3Env,
  type S3Target,
} from "./gatewayPods";

export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;
/** UID of the postgres and redis users in their official images. */
const IMAGE_UID = 999;

/** The database and roles: `postgres` is the image's superuser (POSTGRES_USER); LiteLLM logs in as `litellm`, which only owns its database. */
export const DATABASE = { name: "litellm", appRole: "litellm", adminRole: "postgres" };

/** Keys of the Postgres Secret. */
export const POSTGRES_SECRET_KEYS = { admin: "admin-password", app: "password" };

type Input<T> = pulumi.Input<T>;

export interface PostgresSpecArgs {
  namespace: Input<string>;
  /** StatefulSet, Service and label instance. */
  name: string;
  instance: string;
  image: string;
  resources: ComputeResources;
  /** The PVC holding the data directory (created separately so it can be protected). */
  claimName: string;
  /** Secret with the admin and application passwords. */
  secretName: string;
  /** Digest of the admin password: a rotation restarts the pod, whose postStart hook applies it. */
  secretHash: Input<string>;
}

/**
 * Applies POSTGRES_PASSWORD to the superuser on every start. The image sets it only at initdb, so a
 * rotated password would otherwise never reach the database. It waits for the TCP listener (only the
 * final server listens on TCP; the image's init-time server is socket-only), then connects over the
 * local socket, which initdb's default pg_hba.conf trusts (docker-library/postgres only adds a `host`
 * line), and retries until it succeeds: a failing postStart hook would kill the container mid-init.
 */
export const POSTGRES_ADMIN_PASSWORD_SYNC = `until pg_isready -q -h 127.0.0.1 -p ${POSTGRES_PORT}; do sleep 2; done
until psql -v ON_ERROR_STOP=1 -q -h /var/run/postgresql -U "$POSTGRES_USER" -d postgres <<'SQL'
\\getenv admin_user POSTGRES_USER
\\getenv admin_password POSTGRES_PASSWORD
ALTER ROLE :"admin_user" PASSWORD :'admin_password';
SQL
do sleep 2; done`;

/** Postgres for LiteLLM's virtual keys, budgets and spend logs: one replica on a protected volume. */
export function postgresStatefulSetSpec(a: PostgresSpecArgs): k8s.apps.v1.StatefulSetArgs {
  const labels = standardLabels("postgres", a.instance, "database", imageVersion(a.image));
  const ready = ["pg_isready", "-h", "127.0.0.1", "-U", DATABASE.adminRole, "-d", DATABASE.name];
  return {
    metadata: { name: a.name, namespace: a.namespace, labels },
    spec: {
      serviceName: a.name,
      replicas: 1,
      selector: { matchLabels: selectorLabels("postgres", a.instance) },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: "Retain", whenScaled: "Retain" },
      template: {
        metadata: { labels, annotations: { [SECRET_HASH_ANNOTATION]: a.secretHash } },
        spec: {
          ...hardenedPod(IMAGE_UID),
          containers: [
            {
              name: "postgres",
              image: a.image,
              ports: [{ name: "postgres", containerPort: POSTGRES_PORT, protocol: "TCP" }],
              env: [
                { name: "POSTGRES_USER", value: DATABASE.adminRole },
                { name: "POSTGRES_DB", value: DATABASE.name },
                fromSecret("POSTGRES_PASSWORD", a.secretName, POSTGRES_SECRET_KEYS.admin),
                { name: "PGDATA", value: "/var/lib/postgresql/data/pgdata" },
              ],
              resources: resourcesOf(a.resources),
              readinessProbe: { exec: { command: ready }, periodSeconds: 10, failureThreshold: 3 },
              livenessProbe: { exec: { command: ready }, periodSeconds: 20, failureThreshold: 6 },
              lifecycle: { postStart: { exec: { command: ["/bin/sh", "-c", POSTGRES_ADMIN_PASSWORD_SYNC] } } },
              securityContext: hardenedContainer(),
              volumeMounts: [{ name: "data", mountPath: "/var/lib/postgresql/data" }, { name: "run", mountPath: "/var/run/postgresql" }, TMP_MOUNT],
            },
          ],
          volumes: [{ name: "data", persistentVolumeClaim: { claimName: a.claimName } }, { name: "run", emptyDir: { sizeLimit: "64Mi" } }, TMP_VOLUME],
        },
      },
    },
  };
}

export function serviceSpec(namespace: Input<string>, name: string, selector: Record<string, string>, port: number): k8s.core.v1.ServiceArgs {
  return { metadata: { name, namespace }, spec: { type: "ClusterIP", selector, ports: [{ name: "tcp", port, targetPort: port, protocol: "TCP" }] } };
}

/**
 * Creates LiteLLM's role (not a superuser: it owns only its database, which on Postgres 15+ also makes
 * it the owner of schema `public`, so Prisma migrations can create tables) and sets its password. Runs
 * as the admin over TCP, idempotently; its name carries a digest of both passwords, so a rotation runs
 * it again, and the gateway's pods (whose template carries the same digest) restart only after it has
 * set the new password. psql's \\getenv keeps the passwords off every command line.
 */
export const POSTGRES_SETUP_SQL = `\\getenv app_role APP_ROLE
\\getenv app_password APP_PASSWORD
\\getenv app_database APP_DATABASE
SELECT format('CREATE ROLE %I LOGIN', :'app_role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \\gexec
ALTER ROLE :"app_role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
SELECT format('CREATE DATABASE %I OWNER %I', :'app_database', :'app_role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_database') \\gexec
ALTER DATABASE :"app_database" OWNER TO :"app_role";
REVOKE ALL ON DATABASE :"app_database" FROM PUBLIC;`;

export const POSTGRES_SETUP_SCRIPT = `set -eu
until pg_isready -q; do echo "waiting for $PGHOST"; sleep 2; done
psql -v ON_ERROR_STOP=1 -q <<'SQL'
${POSTGRES_SETUP_SQL}
SQL
echo "role $APP_ROLE: not a superuser, password set, owns database $APP_DATABASE"`;

export interface PostgresJobArgs {
  namespace: Input<string>;
  /** Job name (carries a digest of what it applies). */
  name: Input<string>;
  instance: string;
  image: string;
  /** Host name of the Postgres Service. */
  host: string;
  secretName: string;
}

/** The env psql reads (PGHOST, PGUSER, PGPASSWORD...) for a role. */
function pgEnv(a: { host: string; secretName: string }, role: "admin" | "app"): k8s.types.input.core.v1.EnvVar[] {
  return [
    { name: "PGHOST", value: a.host },
    { name: "PGPORT", value: String(POSTGRES_PORT) },
    { name: "PGUSER", value: role === "admin" ? DATABASE.adminRole : DATABASE.appRole },
    { name: "PGDATABASE", value: role === "admin" ? "postgres" : DATABASE.name },
    fromSecret("PGPASSWORD", a.secretName, POSTGRES_SECRET_KEYS[role]),
  ];
}

function postgresContainer(
  image: string,
  name: string,
  script: string,
  env: k8s.types.input.core.v1.EnvVar[],
  mounts: k8s.types.input.core.v1.VolumeMount[] = [],
): k8s.types.input.core.v1.Container {
  return {
    name,
    image,
    command: ["/bin/sh", "-c", script],
    env,
    resources: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "1", memory: "512Mi" } },
    securityContext: hardenedContainer(),
    volumeMounts: [TMP_MOUNT, ...mounts],
  };
}

export function postgresSetupJobSpec(a: PostgresJobArgs): k8s.batch.v1.JobArgs {
  return {
    metadata: {
      name: a.name,
      namespace: a.namespace,
      labels: standardLabels("postgres-setup", a.instance, "database", imageVersion(a.image)),
      annotations: JOB_ANNOTATIONS,
    },
    spec: {
      backoffLimit: 10,
      template: {
        metadata: { labels: selectorLabels("postgres-setup", a.instance) },
        spec: {
          restartPolicy: "OnFailure",
          ...hardenedPod(IMAGE_UID),
          containers: [
            postgresContainer(a.image, "setup", POSTGRES_SETUP_SCRIPT, [
              ...pgEnv(a, "admin"),
              { name: "APP_ROLE", value: DATABASE.appRole },
              { name: "APP_DATABASE", value: DATABASE.name },
              fromSecret("APP_PASSWORD", a.secretName, POSTGRES_SECRET_KEYS.app),
            ]),
          ],
          volumes: [TMP_VOLUME],
        },
      },
    },
  };
}

/** Tables a LiteLLM schema must have after migrating (present since the proxy's first Prisma schemas). */
export const EXPECTED_TABLES = [
  "LiteLLM_VerificationToken",
  "LiteLLM_UserTable",
  "LiteLLM_TeamTable",
  "LiteLLM_BudgetTable",
  "LiteLLM_SpendLogs",
  "_prisma_migrations",
];

/**
 * Fails unless every expected table exists: LiteLLM's migration can exit 0 with an empty schema (an
 * image that cannot run Prisma offline, BerriAI/litellm#34325), which would otherwise surface only as
 * 500s from every key endpoint.
 */
export const SCHEMA_CHECK_SCRIPT = `set -eu
missing=""
for table in ${EXPECTED_TABLES.join(" ")}; do
  found=$(psql -v ON_ERROR_STOP=1 -tA -c "SELECT to_regclass('public.\\"$table\\"') IS NOT NULL")
  [ "$found" = "t" ] || missing="$missing $table"
done
if [ -n "$missing" ]; then
  echo "LiteLLM's schema is incomplete after the migration; missing:$missing" >&2
  exit 1
fi
echo "schema complete: ${EXPECTED_TABLES.length} expected tables present"`;

/** The schema check, as the migration Job's container (after the migration ran as its init container). */
export function schemaCheckContainer(a: { image: string; host: string; secretName: string }): k8s.types.input.core.v1.Container {
  return postgresContainer(a.image, "check-schema", SCHEMA_CHECK_SCRIPT, pgEnv(a, "app"));
}

export interface RedisSpecArgs {
  namespace: Input<string>;
  name: string;
  instance: string;
  image: string;
  resources: ComputeResources;
  /** Secret holding `redis.conf` (with requirepass): the password is never on the command line. */
  secretName: string;
  secretHash: Input<string>;
}

/** redis.conf for the limit counters: a password, no persistence (counters are rebuilt in a minute). */
export function redisConf(password: string): string {
  return `requirepass ${password}\nsave ""\nappendonly no\nprotected-mode yes\n`;
}

/**
 * Redis for LiteLLM's rate-limit and parallel-request counters (shared by all replicas). It reads its
 * config file from the Secret; Redis reads requirepass only at start, so the pod template carries a
 * digest of the password and a rotation restarts it.
 */
export function redisDeploymentSpec(a: RedisSpecArgs): k8s.apps.v1.DeploymentArgs {
  const labels = standardLabels("redis", a.instance, "cache", imageVersion(a.image));
  return {
    metadata: { name: a.name, namespace: a.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selectorLabels("redis", a.instance) },
      strategy: { type: "Recreate" },
      template: {
        metadata: { labels, annotations: { [SECRET_HASH_ANNOTATION]: a.secretHash } },
        spec: {
          ...hardenedPod(IMAGE_UID),
          containers: [
            {
              name: "redis",
              image: a.image,
              command: ["redis-server", "/etc/redis/redis.conf"],
              ports: [{ name: "redis", containerPort: REDIS_PORT, protocol: "TCP" }],
              resources: resourcesOf(a.resources),
              readinessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 10 },
              livenessProbe: { tcpSocket: { port: REDIS_PORT }, periodSeconds: 20 },
              securityContext: hardenedContainer(),
              volumeMounts: [
                { name: "config", mountPath: "/etc/redis", readOnly: true },
                { name: "data", mountPath: "/data" },
              ],
            },
          ],
          volumes: [
            { name: "config", secret: { secretName: a.secretName, items: [{ key: "redis.conf", path: "redis.conf" }] } },
            { name: "data", emptyDir: { sizeLimit: "64Mi" } },
          ],
        },
      },
    },
  };
}

/** pg_dump of LiteLLM's database (custom format, restorable with pg_restore), as the application role. */
export function postgresDumpScript(dir: string): string {
  return `set -eu
stamp=$(date -u +%Y-%m-%dT%H-%M-%SZ)
file="${dir}/litellm-$stamp.dump"
pg_dump --format=custom --file="$file.partial"
mv "$file.partial" "$file"
echo "dumped database $PGDATABASE: $(wc -c < "$file") bytes in $(basename "$file")"`;
}

export interface PostgresBackupArgs {
  namespace: Input<string>;
  name: string;
  instance: string;
  image: string;
  curlImage: string;
  host: string;
  secretName: string;
  schedule: string;
  /** Dumps kept on the backup volume. */
  retain: number;
  /** The backup volume (mounted by this CronJob only), or an S3 bucket. */
  claimName?: string;
  s3?: S3Target;
}

/**
 * Logical backups of LiteLLM's database on a schedule: to a volume of their own (never mounted by
 * Postgres), keeping the newest `retain`, or to an S3-compatible bucket (pg_dump in an init container,
 * curl uploads it; retention is the bucket's lifecycle rules). The job reads the application role's
 * password from the Secret each run, so a rotation needs no change here.
 */
export function postgresBackupCronJobSpec(a: PostgresBackupArgs): k8s.batch.v1.CronJobArgs {
  const env = pgEnv(a, "app");
  let spec: k8s.types.input.core.v1.PodSpec;
  if (a.s3) {
    const upload = `set -eu\n${S3_PUT_FUNCTION}\nfor f in /work/litellm-*.dump; do s3_put "$f" "$(basename "$f")"; done`;
    spec = {
      restartPolicy: "OnFailure",
      ...hardenedPod(IMAGE_UID),
      initContainers: [postgresContainer(a.image, "dump", postgresDumpScript("/work"), env, [{ name: "work", mountPath: "/work" }])],
      containers: [
        {
          name: "upload",
          image: a.curlImage,
          command: ["/bin/sh", "-c", upload],
          env: s3Env(a.s3),
          resources: SMALL_JOB_RESOURCES,
          securityContext: hardenedContainer(),
          volumeMounts: [{ name: "work", mountPath: "/work", readOnly: true }, TMP_MOUNT],
        },
      ],
      volumes: [{ name: "work", emptyDir: {} }, TMP_VOLUME],
    };
  } else {
    const script = `${postgresDumpScript("/backups")}\n${pruneScript("/backups", "litellm-*.dump", a.retain)}`;
    spec = {
      restartPolicy: "OnFailure",
      ...hardenedPod(IMAGE_UID),
      containers: [postgresContainer(a.image, "dump", script, env, [{ name: "backups", mountPath: "/backups" }])],
      volumes: [{ name: "backups", persistentVolumeClaim: { claimName: a.claimName! } }, TMP_VOLUME],
    };
  }
  return {
    metadata: { name: a.name, namespace: a.namespace, labels: standardLabels("postgres-backup", a.instance, "database", imageVersion(a.image)) },
    spec: {
      schedule: a.schedule,
      concurrencyPolicy: "Forbid",
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: { spec: { backoffLimit: 2, template: { metadata: { labels: selectorLabels("postgres-backup", a.instance) }, spec } } },
    },
  };
}
