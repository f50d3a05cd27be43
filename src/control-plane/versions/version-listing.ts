import { LATEST, getVersionOf, type FunctionRecord, type FunctionVersionRecord, type VersionRecord } from '../function-model.js';
import type { FunctionStore } from '../function-store.js';
import type { VersionStore } from './version-store.js';

/** ListVersionsByFunction answers at most 50 versions a page, whatever MaxItems says (AWS's documentation). */
const VERSIONS_PAGE_MAX = 50;

export interface FunctionVersionPage {
  records: FunctionVersionRecord[];
  nextMarker?: string;
}

export const isPublishedVersion = (qualifier: string): boolean => /^[0-9]+$/.test(qualifier);

/** `$LATEST` sorts before every published version, which sort by number. */
const versionRank = (version: string): number => (version === LATEST ? 0 : isPublishedVersion(version) ? Number(version) : -1);

/** Whether `version` comes after the marker `after` in a versions listing. */
const isAfterVersion = (version: string, after: string | undefined): boolean =>
  after === undefined || versionRank(version) > versionRank(after);

/** One page of a function's versions (`$LATEST` first); the marker is the last version given. */
export function pageVersions(
  latest: FunctionRecord,
  versions: VersionRecord[],
  marker: string | undefined,
  maxItems: number | undefined,
): FunctionVersionPage {
  const all: FunctionVersionRecord[] = [latest, ...versions];
  const rest = marker === undefined || marker === '' ? all : all.filter((r) => isAfterVersion(getVersionOf(r), marker));
  const limit = Math.min(maxItems ?? VERSIONS_PAGE_MAX, VERSIONS_PAGE_MAX);
  const records = rest.slice(0, limit);
  const last = records[records.length - 1];
  return rest.length > limit && last !== undefined ? { records, nextMarker: getVersionOf(last) } : { records };
}

/**
 * ListFunctions with `FunctionVersion=ALL`: each function's `$LATEST`, then its published versions, in
 * name order. The marker names the last item given (`name:version`).
 */
export async function pageAllVersions(
  functions: FunctionStore,
  versions: VersionStore,
  marker: string | undefined,
  limit: number,
): Promise<FunctionVersionPage> {
  const records: FunctionVersionRecord[] = [];
  const page = (): FunctionVersionPage => {
    const last = records[records.length - 1];
    return last === undefined ? { records } : { records, nextMarker: `${last.name}:${getVersionOf(last)}` };
  };
  /** Adds a function's versions after `after`; false once the page is full with more to come. */
  const add = async (latest: FunctionRecord, after?: string): Promise<boolean> => {
    const all: FunctionVersionRecord[] = [latest, ...(await versions.listVersions(latest.name))];
    for (const record of after === undefined ? all : all.filter((r) => isAfterVersion(getVersionOf(r), after))) {
      if (records.length === limit) return false;
      records.push(record);
    }
    return true;
  };
  const [afterName, afterVersion] = marker === undefined || marker === '' ? [] : marker.split(':');
  // The function the marker stopped in first (the rest of its versions), then the functions after it.
  if (afterName !== undefined) {
    const current = await functions.load(afterName);
    if (current !== undefined && !(await add(current, afterVersion))) return page();
  }
  let functionMarker = afterName;
  for (;;) {
    const listed = await functions.list(functionMarker, limit);
    for (const latest of listed.records) if (!(await add(latest))) return page();
    if (listed.nextMarker === undefined) return { records };
    functionMarker = listed.nextMarker;
  }
}
