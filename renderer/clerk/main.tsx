// Entry of the clerk's workspace window.
import { App as AntApp, ConfigProvider } from 'antd';
import zhCN from 'antd/es/locale/zh_CN';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectApi } from '../api.ts';
import { ClerkApp } from './ClerkApp.tsx';
import { CaseStoreContext } from './case-context.ts';
import { createCaseStore } from './case-store.ts';
import { ClerkStoreContext } from './context.ts';
import { RatingLinkContext } from './RatingPanel.tsx';
import { createClerkStore } from './store.ts';
import { createPrintQueueStore, PrintQueueContext } from './print-store.ts';
import { createDeviceSetupStore, DeviceSetupContext } from './device-setup/device-setup-store.ts';
import { createSyncIssuesStore, SyncIssuesContext } from './sync-issues-store.ts';
import { downloadText } from './device-setup/DeviceSetup.tsx';
import { installLockGuard } from './LockScreen.tsx';
import { clerkTheme } from './theme.ts';
import './clerk.css';

const link = connectApi('clerk');
const store = createClerkStore(link);
const cases = createCaseStore(link);
const printQueue = createPrintQueueStore(link);
const deviceSetup = createDeviceSetupStore(link, downloadText);
const syncIssues = createSyncIssuesStore(link);
// Before any hotkey listener: while 暂停服务 locks the screen, no key but the password's gets through.
installLockGuard(store);

const root = document.getElementById('root');
if (!root) throw new Error('#root is missing from clerk.html');
createRoot(root).render(
  <StrictMode>
    <ConfigProvider locale={zhCN} theme={clerkTheme} button={{ autoInsertSpace: false }}>
      <AntApp className="clerk-app">
        <ClerkStoreContext value={store}>
          <CaseStoreContext value={cases}>
            <RatingLinkContext value={link}>
              <PrintQueueContext value={printQueue}>
                <DeviceSetupContext value={deviceSetup}>
                  <SyncIssuesContext value={syncIssues}>
                    <ClerkApp />
                  </SyncIssuesContext>
                </DeviceSetupContext>
              </PrintQueueContext>
            </RatingLinkContext>
          </CaseStoreContext>
        </ClerkStoreContext>
      </AntApp>
    </ConfigProvider>
  </StrictMode>,
);
