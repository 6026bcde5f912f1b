import type { AsyncVendorFake, ConformanceDriver, VendorFake } from '../driver';
import { jiraDriver } from './jira';
import { githubDriver } from './github';
import { zendeskDriver } from './zendesk';
import { genericDriver } from './generic';
import { servicenowDriver } from './servicenow';
import { freshserviceDriver } from './freshservice';
import { ninjaoneDriver } from './ninjaone';
import { rtDriver } from './rt';

/** Every connector's driver; a connector is done when the conformance suite passes through it. */
export const DRIVERS: ConformanceDriver<VendorFake | AsyncVendorFake>[] = [
  jiraDriver,
  servicenowDriver,
  freshserviceDriver,
  zendeskDriver,
  genericDriver,
  githubDriver,
  ninjaoneDriver,
  rtDriver,
];
