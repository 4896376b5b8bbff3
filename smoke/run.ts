import type { Check, RunContext, SmokeSettings } from "./checks";
import type { CheckRecord } from "./report";

/**
 * Runs the checks one after another (tiny load, honest latencies), each within what is left of the
 * overall budget; a check the budget no longer covers fails as "not run". Records come back in plan
 * order, every text passed through `redact`.
 */
export async function runChecks(
  checks: Check[],
  settings: SmokeSettings,
  options: { budgetMs: number; now?: () => Date; redact: (text: string) => string; onRecord?: (record: CheckRecord) => void },
): Promise<CheckRecord[]> {
  const started = performance.now();
  const ctx: RunContext = {
    ...settings,
    remainingMs: () => options.budgetMs - (performance.now() - started),
    now: options.now ?? (() => new Date()),
  };
  const records: CheckRecord[] = [];
  let unreachable: CheckRecord | undefined;
  for (const check of checks) {
    const head = { id: check.id, group: check.group, name: check.name, request: check.request };
    let record: CheckRecord;
    if (check.skip !== undefined || !check.run) {
      record = { ...head, result: "skip", detail: check.skip ?? "not applicable" };
    } else if (unreachable) {
      // One refused connection (with its retry) says it for all: do not hammer a missing endpoint.
      record = { ...head, result: "fail", detail: `not run: ${settings.endpoint.baseUrl.origin} ${unreachable.unreachable} (see ${unreachable.id})` };
    } else if (ctx.remainingMs() <= 0) {
      record = {
        ...head,
        result: "fail",
        detail: `not run: the overall budget of ${options.budgetMs} ms ran out`,
        hint: "raise --budget-ms, or look at the slow checks above",
      };
    } else {
      try {
        record = { ...head, ...(await check.run(ctx)) };
      } catch (error) {
        record = { ...head, result: "fail", detail: `the check itself failed: ${error instanceof Error ? error.message : String(error)}` };
      }
    }
    record = { ...record, detail: options.redact(record.detail), ...(record.hint ? { hint: options.redact(record.hint) } : {}) };
    if (record.unreachable && !unreachable) unreachable = record;
    records.push(record);
    options.onRecord?.(record);
  }
  return records;
}
