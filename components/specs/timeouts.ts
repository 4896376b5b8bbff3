/**
 * Pulumi `customTimeouts` for workloads the pulumi-kubernetes provider awaits. The provider gives a
 * Deployment or a Job 10 minutes to become ready unless told otherwise (its await logic:
 * provider/pkg/await/deployment.go DefaultDeploymentTimeoutMins; the Job docs), shorter than loading
 * or downloading a model.
 */

/** A custom timeout (Go duration) of whole minutes, rounded up. */
export function minutes(seconds: number): string {
  return `${Math.ceil(seconds / 60)}m`;
}

/** Create and update both wait `seconds` (rounded up to whole minutes). */
export function awaitTimeouts(seconds: number): { create: string; update: string } {
  return { create: minutes(seconds), update: minutes(seconds) };
}
