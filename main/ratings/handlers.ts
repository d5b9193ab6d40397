// 好差评 at the window: 请评价, the citizen's touch on the outward screen, and
// the bad-rating follow-ups (差评回访, managers; the contract marks them).
import type { CallHandlers, ClerkState } from '../../common/contract.ts';
import type { CounterState } from '../core/counter-state.ts';
import { HallFollowUpView } from './hall-follow-ups.ts';
import type { RatingService } from './rating-service.ts';

export type RatingCall = 'requestRating' | 'rateByTouch' | 'listFollowUps' | 'advanceFollowUp';

export function ratingHandlers(deps: { state: CounterState; ratings: RatingService; clerkState: () => ClerkState }): CallHandlers<RatingCall> {
  const { state, ratings, clerkState } = deps;
  const hall = new HallFollowUpView({ state, local: ratings.followUps, db: state.store.db });
  return {
    /** A rating session for the ticket in hand, or the one just completed. */
    requestRating() {
      const { windowId, staffNo, ticket } = state.caseContext();
      ratings.request({ windowId, staffNo, ticket });
      return clerkState();
    },
    rateByTouch: ({ sessionId, level }) => ratings.rateByTouch(sessionId, level),
    // 差评回访: the hall's list online, this counter's cached copy offline (hall-follow-ups.ts).
    listFollowUps: () => hall.list(),
    advanceFollowUp: (args) => hall.advance(args),
  };
}
