import type { ConformanceDriver } from '../driver';
import { jiraDriver } from './jira';

/** Every connector's driver; a connector is done when the conformance suite passes through it. */
export const DRIVERS: ConformanceDriver[] = [jiraDriver];
