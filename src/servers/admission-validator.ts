// The admission webhook's object-level decision: parse the object with the object model and run its KEDA
// webhook checks (src/api/validate.ts). Checks that need the cluster (other ScaledObjects/HPAs on the same
// workload, container requests for cpu/memory triggers) are added by the operator through `extraChecks`.
import { parseKedaObject } from '../api/parse.ts';
import type { Problem } from '../api/problem.ts';
import type { KedaObject } from '../api/types.ts';
import { validateObject } from '../api/validate.ts';
import type { AdmissionRequestInfo, AdmissionValidator, ValidationResult } from './admission-webhook.ts';

/** One Problem as one line: "<object>: <path>: <message> (fix: <fix>)". */
export function formatProblem(p: Problem): string {
  return `${p.object}: ${p.path ? `${p.path}: ` : ''}${p.message}${p.fix ? ` (fix: ${p.fix})` : ''}`;
}

export function objectModelValidator(opts: { extraChecks?: (obj: KedaObject, request: AdmissionRequestInfo) => Promise<Problem[]> } = {}): AdmissionValidator {
  return {
    async validate(request): Promise<ValidationResult> {
      const parsed = parseKedaObject(request.object);
      if (!parsed) return { allowed: true }; // not a KEDA kind we judge (e.g. CloudEventSource)
      const problems = parsed.ok ? [...parsed.warnings, ...validateObject(parsed.value)] : parsed.problems;
      if (parsed.ok && opts.extraChecks) problems.push(...(await opts.extraChecks(parsed.value, request)));
      const errors = problems.filter((p) => p.severity === 'error');
      const warnings = problems.filter((p) => p.severity === 'warning').map(formatProblem);
      if (errors.length) return { allowed: false, message: errors.map(formatProblem).join('; '), reason: 'invalid', warnings };
      return { allowed: true, warnings };
    },
  };
}
