// 办理计时 with the 超时提醒 (issue 14, point 4): the service's stopwatch turns
// amber past its line's standard service time and red past twice that
// (common/overtime.ts; the thresholds come in the clerk's state, so the hall
// sees the same). Re-read every second.
import { useEffect, useState } from 'react';
import { OVERTIME_LABEL, overtimeLevel, type ServiceTiming } from '../../common/overtime.ts';
import { formatStopwatch } from './logic.ts';
import './service-timer.css';

export function ServiceTimer({ since, service, testId }: { since: string; service: ServiceTiming | null; testId?: string }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  const level = service ? overtimeLevel(service, now) : 'ok';
  const title = service
    ? `标准办理时长 ${service.standardMinutes} 分钟：超过变黄，超过 ${service.standardMinutes * 2} 分钟变红`
    : undefined;
  return (
    <span className={`service-timer service-${level}`} data-testid={testId} data-level={level} title={title}>
      {formatStopwatch(since, now)}
      {service && level !== 'ok' && (
        <span className="service-over">
          {OVERTIME_LABEL[level]}（标准 {service.standardMinutes} 分钟）
        </span>
      )}
    </span>
  );
}
