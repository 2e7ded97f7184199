import { relative } from 'node:path';
import type { ReportedHookContext, Reporter, TestCase, TestModule } from 'vitest/node';

/** How long without any test, hook or file finishing before the run counts as stalled. */
const STALL_MS = 150_000;

/**
 * A reporter that prints nothing while tests progress. When nothing has finished for
 * `STALL_MS` (longer than any test's or hook's timeout), it prints what is still running: the
 * files with their phase, the hooks and the tests, each with how long it has been going. A run
 * that hangs past every timeout (a worker whose event loop is held, say) then shows where, as
 * far as the workers told: they send their progress in batches, so a worker that stopped
 * answering may have finished a little more than is shown.
 */
export default class StallReporter implements Reporter {
  /** What is running, each with when it started. */
  readonly #running = new Map<string, number>();
  #lastProgress = Date.now();
  #reported = false;
  #timer: NodeJS.Timeout | undefined;

  onTestRunStart(): void {
    this.#timer = setInterval(() => this.#check(), 10_000);
    this.#timer.unref();
  }

  onTestRunEnd(): void {
    clearInterval(this.#timer);
  }

  onTestModuleQueued(module: TestModule): void {
    this.#start(`file ${name(module)} (loading)`);
  }

  onTestModuleStart(module: TestModule): void {
    this.#end(`file ${name(module)} (loading)`);
    this.#start(`file ${name(module)} (running)`);
  }

  onTestModuleEnd(module: TestModule): void {
    this.#end(`file ${name(module)} (loading)`);
    this.#end(`file ${name(module)} (running)`);
  }

  onHookStart(hook: ReportedHookContext): void {
    this.#start(hookName(hook));
  }

  onHookEnd(hook: ReportedHookContext): void {
    this.#end(hookName(hook));
  }

  onTestCaseReady(test: TestCase): void {
    this.#start(`test ${name(test.module)} > ${test.fullName}`);
  }

  onTestCaseResult(test: TestCase): void {
    this.#end(`test ${name(test.module)} > ${test.fullName}`);
  }

  #start(what: string): void {
    this.#running.set(what, Date.now());
  }

  #end(what: string): void {
    if (this.#running.delete(what)) {
      this.#lastProgress = Date.now();
      this.#reported = false;
    }
  }

  #check(): void {
    const now = Date.now();
    if (this.#reported || now - this.#lastProgress < STALL_MS || this.#running.size === 0) return;
    this.#reported = true;
    const lines = [...this.#running].map(
      ([what, since]) => `  ${what}: ${((now - since) / 1000).toFixed(0)} s`,
    );
    console.error(
      `[stall] nothing finished for ${((now - this.#lastProgress) / 1000).toFixed(0)} s; still running:\n${lines.join('\n')}`,
    );
  }
}

/** A test file as its project and path from the root. */
function name(module: TestModule): string {
  return `${module.project.name}:${relative(module.project.config.root, module.moduleId)}`;
}

/** A hook as its kind and where it runs. */
function hookName({ name: kind, entity }: ReportedHookContext): string {
  const where =
    entity.type === 'module' ? name(entity) : `${name(entity.module)} > ${entity.fullName}`;
  return `hook ${kind} in ${where}`;
}
