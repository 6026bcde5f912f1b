/**
 * Periodic access reviews (issue 6). What the service and the CLI use; everything else in this
 * folder is internal.
 */
export {
  createReviewJob,
  REVIEW_TEMPLATES,
  type ReviewJob,
  type ReviewJobDeps,
  type ReviewOutcome,
  type RunReviewOptions,
} from './review-job';
export { reviewCommand, type ReviewCommandRuntime } from './review-command';
export { reviewPolicySchema, type ReviewPolicy } from '../policy/review-policy-schema';
