// The outward screen's voice rules (renderer/outward/voice-control.ts) on
// fakes: what is announced, the 测试语音 once, the on/off switch and the
// volume as gain.
import { describe, expect, it } from 'vitest';
import { announcementClips } from '../../common/announce.ts';
import type { OutwardView } from '../../common/contract.ts';
import {
  OutwardVoice,
  queuedOutput,
  TEST_TICKET,
  type VoiceOutput,
} from '../../renderer/outward/voice-control.ts';
import { systemTimers } from '../../main/devices/evaluator/clock.ts';

type Voice = Pick<OutwardView, 'mode' | 'calling' | 'windowName' | 'voice'>;

function view(over: Partial<Omit<Voice, 'voice'>> & { voice?: Partial<Voice['voice']> } = {}): Voice {
  return {
    mode: 'serving',
    calling: null,
    windowName: '3号窗口',
    ...over,
    voice: { enabled: true, volume: 80, test: 0, ...over.voice },
  };
}
const calling = (number: string, announcement = 0) => ({ number, lineName: '综合受理', announcement });

/** A VoiceOutput that records what it was asked, with the gain it would play at. */
function fakeOutput() {
  const log: string[] = [];
  let created = 0;
  let gain = 0;
  const output: VoiceOutput = {
    announce(ticket, window) {
      log.push(`say ${ticket} @${window} gain=${gain}`);
      return Promise.resolve('played');
    },
    setVolume(volume) {
      gain = volume / 100;
      log.push(`gain ${gain}`);
    },
    silence() {
      log.push('silence');
    },
  };
  const voice = new OutwardVoice((volume) => {
    created++;
    gain = volume / 100;
    return output;
  });
  return { voice, log, created: () => created };
}

describe('OutwardVoice', () => {
  it('announces a call and each recall, never what was on screen when the page opened', () => {
    const { voice, log, created } = fakeOutput();
    voice.update(null);
    voice.update(view({ calling: calling('A011') }));
    expect(log).toEqual([]);
    expect(created()).toBe(0);
    voice.update(view({ calling: calling('A011') })); // the same view again (reconnect): nothing
    voice.update(view({ calling: calling('A012') }));
    voice.update(view({ calling: calling('A012', 1) })); // 重呼
    voice.update(view({ mode: 'idle', calling: calling('A012', 1) })); // not serving: nothing
    expect(log).toEqual(['say A012 @3号窗口 gain=0.8', 'say A012 @3号窗口 gain=0.8']);
    expect(created()).toBe(1);
  });

  it('暂停服务 hides the number without ending it: unlocked, the same call is not said again; a recall still is', () => {
    const { voice, log } = fakeOutput();
    voice.update(view());
    voice.update(view({ calling: calling('A012') }));
    voice.update(view({ mode: 'paused', calling: null }));
    voice.update(view({ calling: calling('A012') })); // unlocked, same ticket in hand
    expect(log).toEqual(['say A012 @3号窗口 gain=0.8']);
    voice.update(view({ calling: calling('A012', 1) })); // 重呼 after the pause
    voice.update(view({ mode: 'closed', calling: null }));
    voice.update(view({ calling: calling('A013') }));
    expect(log).toEqual(['say A012 @3号窗口 gain=0.8', 'say A012 @3号窗口 gain=0.8', 'say A013 @3号窗口 gain=0.8']);
  });

  it('voice off: nothing plays, and switching it off cuts off what is playing', () => {
    const { voice, log } = fakeOutput();
    voice.update(view());
    voice.update(view({ calling: calling('A001') }));
    voice.update(view({ calling: calling('A001'), voice: { enabled: false } }));
    voice.update(view({ calling: calling('A002'), voice: { enabled: false } }));
    voice.update(view({ calling: calling('A002'), voice: { enabled: false, test: 1 } }));
    expect(log).toEqual(['say A001 @3号窗口 gain=0.8', 'silence']);
    // Switched on again: the next call is said, not the one called while off.
    voice.update(view({ calling: calling('A002'), voice: { enabled: true, test: 1 } }));
    voice.update(view({ calling: calling('A003') }));
    expect(log.slice(2)).toEqual(['say A003 @3号窗口 gain=0.8']);
  });

  it('never creates the audio output while voice is off', () => {
    const { voice, created } = fakeOutput();
    voice.update(view({ voice: { enabled: false } }));
    voice.update(view({ calling: calling('A001'), voice: { enabled: false } }));
    expect(created()).toBe(0);
  });

  it('plays at volume/100, and a new volume applies at once', () => {
    const { voice, log } = fakeOutput();
    voice.update(view({ voice: { volume: 30 } }));
    voice.update(view({ calling: calling('B001'), voice: { volume: 30 } }));
    voice.update(view({ calling: calling('B001'), voice: { volume: 100 } }));
    voice.update(view({ calling: calling('B002'), voice: { volume: 100 } }));
    voice.update(view({ calling: calling('B002'), voice: { volume: 0 } }));
    expect(log).toEqual(['say B001 @3号窗口 gain=0.3', 'gain 1', 'say B002 @3号窗口 gain=1', 'gain 0']);
  });

  it('plays the test announcement once each time voice.test grows, not on the first view', () => {
    const { voice, log } = fakeOutput();
    voice.update(view({ mode: 'idle', voice: { test: 4 } }));
    voice.update(view({ mode: 'idle', voice: { test: 4 } }));
    expect(log).toEqual([]);
    voice.update(view({ mode: 'idle', voice: { test: 5 } }));
    voice.update(view({ mode: 'idle', voice: { test: 5 } }));
    voice.update(view({ mode: 'closed', voice: { test: 6, volume: 50 } }));
    expect(log).toEqual([
      `say ${TEST_TICKET} @3号窗口 gain=0.8`,
      'gain 0.5',
      `say ${TEST_TICKET} @3号窗口 gain=0.5`,
    ]);
    // The counter restarted and counts from 0 again: the next test still plays.
    voice.update(view({ mode: 'idle', voice: { test: 0, volume: 50 } }));
    voice.update(view({ mode: 'idle', voice: { test: 1, volume: 50 } }));
    expect(log).toHaveLength(4);
  });

  it('reports a test it cannot play (no window name) instead of failing silently', () => {
    const errors: unknown[] = [];
    const voice = new OutwardVoice(
      () => ({ announce: () => Promise.resolve(), setVolume: () => {}, silence: () => {} }),
      (error) => errors.push(error),
    );
    voice.update(view({ windowName: null }));
    voice.update(view({ windowName: null, voice: { test: 1 } }));
    expect(String(errors[0])).toMatch(/无法播放测试语音/);
  });
});

describe('queuedOutput', () => {
  /** A clip player whose plays end when the test says so. */
  function fakePlayer() {
    const played: string[][] = [];
    const ends: (() => void)[] = [];
    let volume = -1;
    let stops = 0;
    return {
      played,
      ends,
      volume: () => volume,
      stops: () => stops,
      play(clips: readonly string[]) {
        played.push([...clips]);
        return new Promise<void>((resolve) => ends.push(resolve));
      },
      setVolume(v: number) {
        volume = v;
      },
      stop() {
        stops++;
        for (const end of ends.splice(0)) end();
      },
    };
  }
  const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

  it('plays the test clips for this window through the queue, one announcement at a time', async () => {
    const player = fakePlayer();
    const voice = new OutwardVoice((volume) => {
      player.setVolume(volume);
      return queuedOutput(player, systemTimers);
    });
    voice.update(view({ windowName: '12号窗口', voice: { volume: 40 } }));
    voice.update(view({ windowName: '12号窗口', calling: calling('C007'), voice: { volume: 40, test: 1 } }));
    await tick();
    expect(player.volume()).toBe(40);
    expect(player.played).toEqual([announcementClips('C007', 12)]);
    player.ends.shift()!();
    await tick();
    await tick();
    expect(player.played).toEqual([announcementClips('C007', 12), announcementClips('A001', 12)]);
    player.ends.shift()!();
  });

  it('voice switched off: drops what waits and stops what plays', async () => {
    const player = fakePlayer();
    const voice = new OutwardVoice(() => queuedOutput(player, systemTimers));
    voice.update(view());
    voice.update(view({ calling: calling('A001') }));
    voice.update(view({ calling: calling('A002') }));
    await tick();
    expect(player.played).toHaveLength(1);
    voice.update(view({ calling: calling('A002'), voice: { enabled: false } }));
    await tick();
    await tick();
    expect(player.stops()).toBe(1);
    expect(player.played).toHaveLength(1); // A002 was dropped, never played
  });
});
