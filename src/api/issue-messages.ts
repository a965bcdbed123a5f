// Turns zod issues into Updraft's own messages: what is wrong at which field, and how to fix it, in the words of
// the API server or KEDA where they have one. zod's texts are never shown to users (CONVENTIONS.md).
import type { z } from 'zod';
import { INT32_MAX, INT32_MIN } from './openapi-types.ts';
import { joinPath, quote, truncate } from './problem.ts';

export interface IssueText {
  path: string;
  message: string;
  fix?: string;
}

function at(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** The value as messages echo it, truncated (src/api/problem.ts MAX_ECHO). */
function show(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return `${typeof v} ${truncate(String(v))}`;
}

function yamlScalar(v: unknown): string {
  return quote(typeof v === 'string' ? v : String(v));
}

/** Describe one issue. `root` is the raw object the issue paths point into; `kind` names it in KEDA's messages. */
export function describeIssue(issue: z.core.$ZodIssue, root: unknown, kind: string): IssueText {
  const pathParts = issue.path as PropertyKey[];
  const path = joinPath(pathParts);
  const last = pathParts[pathParts.length - 1];
  const field = typeof last === 'string' ? truncate(last) : path;
  const lastKey = truncate(String(last));
  const value = at(root, pathParts);
  const parent = pathParts[pathParts.length - 2];

  if (value === undefined && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
    return required(path, pathParts, kind);
  }
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected as string;
      if (expected === 'string' && (parent === 'metadata' || parent === 'tokenUrlParams') && pathParts.length >= 3) {
        // KEDA's trigger metadata is map<string,string>; so are tokenUrlParams.
        return {
          path,
          message: `metadata values must be strings, but ${lastKey} is ${show(value)}: the API server rejects non-string values in KEDA's map<string,string> fields`,
          fix: `quote it: ${lastKey}: ${yamlScalar(value)}`,
        };
      }
      if (expected === 'string' && (parent === 'labels' || parent === 'annotations') && pathParts[0] === 'metadata') {
        return {
          path,
          message: `${parent === 'labels' ? 'label' : 'annotation'} values must be strings, but ${lastKey} is ${show(value)}; the API server rejects the object`,
          fix: `quote it: ${lastKey}: ${yamlScalar(value)}`,
        };
      }
      if ((expected === 'number' || expected === 'int') && typeof value === 'string' && /^-?\d+$/.test(value.trim())) {
        return {
          path,
          message: `${field} must be an integer, not the string ${quote(value)}: the API server rejects quoted numbers in int32 fields`,
          fix: `write it without quotes: ${field}: ${truncate(value.trim())}`,
        };
      }
      if (expected === 'int') {
        return {
          path,
          message: `${field} must be a whole number, got ${show(value)}`,
          fix: `use an integer, e.g. ${field}: ${Math.round(Number(value)) || 1}`,
        };
      }
      if (expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')) {
        return { path, message: `${field} must be a string, got ${show(value)}`, fix: `quote it: ${field}: ${yamlScalar(value)}` };
      }
      const want = expected === 'number' ? 'an integer' : expected === 'object' ? 'a map' : expected === 'array' ? 'a list' : `a ${expected}`;
      return { path, message: `${field} must be ${want}, got ${show(value)}` };
    }
    case 'too_small': {
      if (issue.origin === 'array') {
        if (last === 'triggers') {
          return { path, message: `no triggers defined in the ${kind}`, fix: 'add at least one entry under spec.triggers' };
        }
        return { path, message: `${field} needs at least ${String(issue.minimum)} item(s)` };
      }
      if (issue.origin === 'string') return { path, message: `${field} must not be empty`, fix: `set ${path} to a non-empty value` };
      if (Number(issue.minimum) === INT32_MIN) return { path, message: `${field} is below the int32 range` };
      return {
        path,
        message: `${field} must be greater than or equal to ${String(issue.minimum)}, got ${show(value)}`,
        fix: `set ${field} to ${String(issue.minimum)} or more (KEDA's CRD minimum)`,
      };
    }
    case 'too_big': {
      if (issue.origin === 'string')
        return {
          path,
          message: `${field} is longer than ${String(issue.maximum)} characters (it has ${typeof value === 'string' ? value.length : '?'}): ${show(value)}`,
          fix: `shorten it to at most ${String(issue.maximum)} characters`,
        };
      if (Number(issue.maximum) === INT32_MAX) return { path, message: `${field} is above the int32 range (max ${INT32_MAX})` };
      return { path, message: `${field} must be at most ${String(issue.maximum)}, got ${show(value)}` };
    }
    case 'invalid_value': {
      const allowed = issue.values.map((v) => JSON.stringify(v)).join(', ');
      return { path, message: `${field} must be one of ${allowed}; got ${show(value)}`, fix: `use one of ${allowed} (case matters)` };
    }
    case 'invalid_format': {
      if (issue.format === 'regex' && field === 'name') {
        return { path, message: `name ${show(value)} ${issue.message}`, fix: 'rename the object, e.g. lowercase it and replace "_" with "-"' };
      }
      return { path, message: `${field} is not a valid ${issue.format}: ${show(value)}` };
    }
    case 'invalid_union':
      return { path, message: `${field} has an unsupported form: ${show(value)}`, fix: 'write a quantity as a string, e.g. "0.05"' };
    case 'custom':
      return { path, message: issue.message };
    default:
      return { path, message: `${field} is invalid (${issue.code})` };
  }
}

function required(path: string, parts: ReadonlyArray<PropertyKey>, kind: string): IssueText {
  const last = parts[parts.length - 1];
  const message = `${truncate(String(last))} is required`;
  if (last === 'metadata' && parts.includes('triggers')) {
    return {
      path,
      message: "trigger metadata is required, even when the scaler needs no parameters (KEDA's CRD requires it)",
      fix: 'add `metadata: {}` to the trigger (a bare `metadata:` is null and gets dropped)',
    };
  }
  if (last === 'scaleTargetRef') return { path, message, fix: 'add spec.scaleTargetRef.name: the Deployment (or other resource with /scale) to scale' };
  if (last === 'triggers') return { path, message: `no triggers defined in the ${kind}`, fix: 'add at least one entry under spec.triggers' };
  if (last === 'jobTargetRef')
    return { path, message: `${kind}.spec.jobTargetRef not found`, fix: 'add spec.jobTargetRef: a batch/v1 Job spec with a pod template' };
  if (last === 'name' && parts.length === 2 && parts[0] === 'metadata') return { path, message: 'metadata.name is required', fix: 'give the object a name' };
  if (last === 'spec' && parts.length === 1) return { path, message: 'spec is required', fix: `add a spec to the ${kind}` };
  return { path, message, fix: `add ${path}` };
}
