/**
 * Small validators for data from outside (JSON, event.data, argv). Each returns the narrowed value
 * or throws DeployNetError with the given code, naming the field; never an `as` cast on input.
 */
import { DeployNetError, type ErrorCode } from './errors.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function fail(code: ErrorCode, field: string, expected: string): never {
  throw new DeployNetError(code, `${field} must be ${expected}`, { field });
}

export function record(value: unknown, field: string, code: ErrorCode): Record<string, unknown> {
  if (!isRecord(value)) fail(code, field, 'an object');
  return value;
}

export function str(value: unknown, field: string, code: ErrorCode, pattern?: RegExp): string {
  if (typeof value !== 'string' || (pattern !== undefined && !pattern.test(value))) {
    fail(code, field, pattern ? `a string matching ${String(pattern)}` : 'a string');
  }
  return value;
}

export function int(value: unknown, field: string, code: ErrorCode, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(code, field, `an integer from ${min} to ${max}`);
  }
  return value;
}

export function bool(value: unknown, field: string, code: ErrorCode): boolean {
  if (typeof value !== 'boolean') fail(code, field, 'true or false');
  return value;
}

export function oneOf<T extends string>(value: unknown, field: string, code: ErrorCode, options: readonly T[]): T {
  const found = options.find((o) => o === value);
  if (found === undefined) fail(code, field, `one of ${options.join(', ')}`);
  return found;
}

export function array(value: unknown, field: string, code: ErrorCode, maxLength = Infinity): unknown[] {
  if (!Array.isArray(value) || value.length > maxLength) {
    fail(code, field, maxLength === Infinity ? 'an array' : `an array of at most ${maxLength} items`);
  }
  return value;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
export const KEY_ID = /^[0-9a-f]{16}$/;
