// 开启语音: while the browser holds the page's sound back (audio-unlock.ts),
// a large button in a corner of the outward screen for the hall staff to
// press once; the rest of the screen stays the citizen's. Not shown while
// voice is switched off in 设备设置, nor before the first view.
//
// The marker element carries the state for the end-to-end tests:
// data-audio (checking | running | blocked) and data-announced (how many
// announcements played to the end).
import { useState } from 'react';
import { useStore } from 'zustand';
import type { StoreApi } from 'zustand/vanilla';
import type { Announcer } from './announcer.ts';
import type { OutwardStore } from './store.ts';

export function VoiceUnlock({ store, announcer }: { store: StoreApi<OutwardStore>; announcer: Pick<Announcer, 'unlock' | 'remembered'> }) {
  const audio = useStore(store, (s) => s.audio);
  const announced = useStore(store, (s) => s.announced);
  const wanted = useStore(store, (s) => s.view?.voice.enabled ?? false);
  const [busy, setBusy] = useState(false);
  const show = audio === 'blocked' && wanted;
  return (
    <div className="ow-voice" data-testid="outward-voice" data-audio={audio} data-announced={announced}>
      {show && (
        <div className="ow-voice-card" role="alert">
          <button
            type="button"
            className="ow-voice-button"
            data-testid="outward-voice-unlock"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              void announcer.unlock().finally(() => setBusy(false));
            }}
          >
            <SpeakerIcon />
            开启语音
          </button>
          <div className="ow-voice-note" data-testid="outward-voice-note">
            {announcer.remembered ? '页面重新打开后，浏览器要求再点击一次' : '浏览器未允许播放叫号语音，请工作人员点击一次'}
          </div>
        </div>
      )}
    </div>
  );
}

function SpeakerIcon() {
  return (
    <svg className="ow-voice-icon" viewBox="0 0 24 24" aria-hidden="true">
      <path d="M4 9h4l5-4v14l-5-4H4z" fill="currentColor" />
      <path d="M16 8.5a5 5 0 0 1 0 7M18.5 6a8.5 8.5 0 0 1 0 12" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
    </svg>
  );
}
