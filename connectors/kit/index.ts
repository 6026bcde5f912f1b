/**
 * What every connector shares, so a connector folder holds only vendor translation: verification
 * helpers, cached group/role lookups, status ↔ position mapping, `<ID>_*` environment loading,
 * HTTP failure → error kind, not-found handling, configured group lists.
 */
export { safeEqual, header } from './verify';
export { cachedLookup, type CachedLookup } from './cached-lookup';
export {
  positionOfStatus,
  positionOfName,
  sameName,
  statusFor,
  SETTABLE_POSITIONS,
  type Statuses,
  type StatusNames,
} from './positions';
export { envSettings } from './env-settings';
export { htmlToText } from './html-text';
export { orNullIfNotFound } from './not-found';
export {
  httpFailure,
  failureOf,
  plainHeaders,
  type FailureContext,
  type FailedResponse,
} from '../../src/util/http-failure';
export { configuredGroups } from '../configured-groups';
export { readVendorData } from './vendor-data';
export { checkListedGroups } from './listed-groups';
