// The one number a SQL scaler's query must return (postgresql, mysql). KEDA scans the first column of the first row
// into a float64 (`QueryRowContext(...).Scan(&value)`, pkg/scalers/postgresql_scaler.go, pkg/scalers/mysql_scaler.go):
// no row is sql.ErrNoRows, NULL and non-numeric text fail to convert, more than one column fails the Scan. Updraft
// keeps those errors, says what to change, and also refuses several rows (KEDA silently takes the first, which
// hides a missing aggregate).
import { truncate } from '../../api/problem.ts';
import { parseGoFloat } from '../../api/values.ts';
import { ReadError } from '../scaler.ts';

/** What a driver returned for one query: column names and rows as arrays of cells. */
export interface SqlResult {
  columns: string[];
  rows: unknown[][];
}

/** How a cell is to be read, decided by the driver-specific caller from the column's SQL type. */
export type CellKind = 'number' | 'text' | 'other';

/** The query as shown in errors: one line, truncated. */
export function shownQuery(query: string): string {
  return truncate(query.replace(/\s+/g, ' ').trim(), 200);
}

/**
 * The single numeric value of `result`. `cellKind` says whether column 0 is numeric (numbers, or numeric text such
 * as a bigint or decimal the driver returns as a string), text (converted like Go's strconv.ParseFloat, as
 * database/sql does) or something else (a date, bytes, a boolean: not a number).
 */
export function singleNumber(type: string, query: string, result: SqlResult, cellKind: CellKind): number {
  const q = shownQuery(query);
  if (result.columns.length !== 1) {
    throw new ReadError(
      'bad-query',
      `${type}: query ${q} returned ${result.columns.length} columns; it must return exactly one (a number, e.g. SELECT COUNT(*) FROM ...)`,
    );
  }
  if (result.rows.length === 0) {
    throw new ReadError(
      'empty',
      `${type}: query ${q} returned no row; it must return exactly one row with one number (use an aggregate such as COUNT(*), or COALESCE(MAX(x), 0))`,
    );
  }
  if (result.rows.length > 1) {
    throw new ReadError(
      'bad-query',
      `${type}: query ${q} returned ${result.rows.length} rows; it must return exactly one (aggregate it, e.g. SELECT COUNT(*) or SUM(...))`,
    );
  }
  const cell = result.rows[0][0];
  if (cell === null || cell === undefined) {
    throw new ReadError('empty', `${type}: query ${q} returned NULL; wrap it in COALESCE(..., 0) if no value means zero`);
  }
  const notNumber = () => new ReadError('bad-query', `${type}: query ${q} returned a value that is not a number in column ${result.columns[0] || '1'}`);
  if (cellKind === 'other') throw notNumber();
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'bigint') return Number(cell);
  if (typeof cell === 'string') {
    const v = parseGoFloat(cell.trim() === cell ? cell : '');
    if (v !== undefined) return v;
    // PostgreSQL spells numeric infinities "Infinity"/"-Infinity" and NaN "NaN"; parseGoFloat reads those too.
    throw notNumber();
  }
  throw notNumber();
}
