import type { ConformanceDriver } from '../driver';
import { jiraDriver } from './jira';
import { githubDriver } from './github';
import { servicenowDriver } from './servicenow';
import { freshserviceDriver } from './freshservice';

/** Every connector's driver; a connector is done when the conformance suite passes through it. */
export const DRIVERS: ConformanceDriver[] = [jiraDriver, servicenowDriver, freshserviceDriver, githubDriver];
