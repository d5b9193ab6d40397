// Entry of the citizen-facing outward screen: plain React and CSS, no antd.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectApi } from '../api.ts';
import { startAnnouncer } from './announcer.ts';
import { OutwardApp } from './OutwardApp.tsx';
import { createOutwardStore } from './store.ts';
import { VoiceUnlock } from './VoiceUnlock.tsx';
import './outward.css';

const store = createOutwardStore(connectApi('outward'));
const announcer = startAnnouncer(store);

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from outward.html');
createRoot(root).render(
  <StrictMode>
    <OutwardApp store={store} />
    <VoiceUnlock store={store} announcer={announcer} />
  </StrictMode>,
);
