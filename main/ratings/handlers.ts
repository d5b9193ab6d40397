// 好差评 at the window: 请评价, the citizen's touch on the outward screen, and
// the bad-rating follow-ups (差评回访, managers; the contract marks them).
import type { CallHandlers, ClerkState } from '../../common/contract.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { RatingService } from './rating-service.ts';

export type RatingCall = 'requestRating' | 'rateByTouch' | 'listFollowUps' | 'advanceFollowUp';

export function ratingHandlers(deps: { state: CounterState; ratings: RatingService; clerkState: () => ClerkState }): CallHandlers<RatingCall> {
  const { state, ratings, clerkState } = deps;
  return {
    /** A rating session for the ticket in hand, or the one just completed. */
    requestRating() {
      const { windowId, staffNo, ticket } = state.caseContext();
      ratings.request({ windowId, staffNo, ticket });
      return clerkState();
    },
    rateByTouch: ({ sessionId, level }) => ratings.rateByTouch(sessionId, level),
    listFollowUps: () => ratings.followUps.list(),
    advanceFollowUp: ({ id, note }) => ratings.followUps.advance(id, note),
  };
}
