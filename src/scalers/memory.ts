// `memory`: scale on the pods' memory working set, an HPA Resource metric (KEDA pkg/scalers/cpu_memory_scaler.go,
// NewCPUMemoryScaler(v1.ResourceMemory, ...)). See common/resource-trigger.ts.
import { resourceDescriptor } from './common/resource-trigger.ts';

export const TYPE = 'memory';
export const descriptor = resourceDescriptor('memory');
