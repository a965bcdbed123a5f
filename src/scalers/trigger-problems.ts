// The offline check of every trigger of a ScaledObject/ScaledJob, as Problems with field paths: `updraft validate`
// prints them, the admission webhook returns them (as warnings, or denials with strictTriggers), so both say what
// the operator would say when it builds the trigger's scaler.
import { truncate, type Problem } from '../api/problem.ts';
import type { ScaledJob, ScaledObject } from '../api/types.ts';
import { checkTriggerOffline, supportedTypes } from './index.ts';

function label(obj: ScaledObject | ScaledJob): string {
  return `${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}`;
}

/**
 * Problems of each trigger's metadata, parsed offline by its scaler's descriptor:
 *  - an unsupported type, a value that can never parse, a missing parameter nothing else can supply: error;
 *  - a metadata key the type does not read that is close to one it does (`queuLength`): error (a typo: KEDA would
 *    silently use the default);
 *  - any other unknown key: warning (KEDA ignores it too);
 *  - what only the cluster can supply (TriggerAuthentication parameters, the target's env): note.
 */
export function triggerProblems(obj: ScaledObject | ScaledJob): Problem[] {
  const out: Problem[] = [];
  const object = label(obj);
  obj.spec.triggers.forEach((trigger, i) => {
    const at = `spec.triggers[${i}]`;
    const checked = checkTriggerOffline(trigger, i, obj.metadata.namespace);
    if (!checked.ok && checked.error.field === 'type') {
      out.push({
        severity: 'error',
        object,
        path: `${at}.type`,
        message: `trigger type '${truncate(trigger.type)}' is not supported by Updraft (it reads ${supportedTypes().join(', ')})`,
        fix: `use one of ${supportedTypes().join(', ')}; docs/scalers.md lists what each reads`,
      });
      return;
    }
    for (const u of checked.unknownKeys) {
      out.push(
        u.suggestion
          ? {
              severity: 'error',
              object,
              path: `${at}.metadata.${truncate(u.key)}`,
              message: `${trigger.type} has no parameter '${truncate(u.key)}'; did you mean '${u.suggestion}'? (KEDA would silently ignore it)`,
              fix: `rename it to ${u.suggestion}`,
            }
          : {
              severity: 'warning',
              object,
              path: `${at}.metadata.${truncate(u.key)}`,
              message: `${trigger.type} does not read metadata '${truncate(u.key)}'; it is ignored (as by KEDA)`,
              fix: 'remove it, or check docs/scalers.md for the parameter names',
            },
      );
    }
    if (!checked.ok) {
      const field = checked.error.field;
      const inMetadata = field !== 'metricType' && Object.hasOwn(trigger.metadata ?? {}, field);
      out.push({
        severity: 'error',
        object,
        path: field === 'metricType' ? `${at}.metricType` : inMetadata || !field ? `${at}.metadata${field ? `.${field}` : ''}` : `${at}.metadata`,
        message: checked.error.message,
        fix: `see docs/scalers.md#${trigger.type} for the ${trigger.type} parameters`,
      });
    }
    for (const note of checked.notes) out.push({ severity: 'note', object, path: `${at}.metadata`, message: `${trigger.type}: ${note}` });
  });
  return out;
}
