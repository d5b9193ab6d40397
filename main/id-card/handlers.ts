// 身份证阅读器: 读卡测试 (a manager, in 设备设置; the contract marks it) and the
// clerk's screen setting a read card aside. The work is IdCardService's.
import type { CallHandlers } from '../../common/contract.ts';
import type { IdCardService } from './id-card-service.ts';

export type IdCardCall = 'testIdCardReader' | 'dismissIdCardRead';

export function idCardHandlers(deps: { idCard: IdCardService }): CallHandlers<IdCardCall> {
  const { idCard } = deps;
  return {
    testIdCardReader: () => idCard.test(),
    dismissIdCardRead: ({ seq }) => idCard.dismiss(seq),
  };
}
