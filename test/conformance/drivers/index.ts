import type { ConformanceDriver } from '../driver';
import { jiraDriver } from './jira';
import { githubDriver } from './github';
import { zendeskDriver } from './zendesk';
import { genericDriver } from './generic';
import { servicenowDriver } from './servicenow';
import { freshserviceDriver } from './freshservice';
import { ninjaoneDriver } from './ninjaone';

/** Every connector's driver; a connector is done when the conformance suite passes through it. */
export const DRIVERS: ConformanceDriver[] = [
  jiraDriver,
  servicenowDriver,
  freshserviceDriver,
  zendeskDriver,
  genericDriver,
  githubDriver,
  ninjaoneDriver,
];
