// `cpu`: scale on the pods' CPU usage, an HPA Resource metric (KEDA pkg/scalers/cpu_memory_scaler.go,
// NewCPUMemoryScaler(v1.ResourceCPU, ...)). See common/resource-trigger.ts.
import { resourceDescriptor } from './common/resource-trigger.ts';

export const TYPE = 'cpu';
export const descriptor = resourceDescriptor('cpu');
