// How `updraft simulate` sees a ScaledObject's triggers: each trigger is parsed offline by its scaler's descriptor
// (src/scalers/), exactly as the operator parses it, so simulate accepts, names and targets what the operator
// does. Parameters a TriggerAuthentication or the target's env would supply are unknown here; they are not
// needed to simulate (the series stand in for the source).
import type { ScaledObject } from '../api/types.ts';
import { engineTrigger, type EngineTrigger } from '../engine/object-step.ts';
import { checkTriggerOffline } from '../scalers/index.ts';

export class SimulationSetupError extends Error {
  override name = 'SimulationSetupError';
}

/** The engine's view of each trigger of a ScaledObject, for simulation. Throws SimulationSetupError. */
export function simulatedTriggers(so: ScaledObject): EngineTrigger[] {
  const out: EngineTrigger[] = [];
  so.spec.triggers.forEach((t, i) => {
    const checked = checkTriggerOffline(t, i, so.metadata.namespace);
    if (!checked.ok) {
      throw new SimulationSetupError(`ScaledObject ${so.metadata.namespace}/${so.metadata.name}: spec.triggers[${i}]: ${checked.error.message}`);
    }
    const { descriptor, metricSpecs, activationThreshold } = checked.described;
    for (const spec of metricSpecs) out.push(engineTrigger(so, i, descriptor.type, spec, activationThreshold));
  });
  return out;
}
