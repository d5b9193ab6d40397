// 设备设置 (a signed-in manager; the contract marks these calls): the setup in
// use and where each section comes from, saving and resetting a section, the
// device tests, export and import. And the outward page's word on its sound
// (reportOutwardAudio, from the outward screen). The work is CounterDevices'.
import type { CallHandlers } from '../../common/contract.ts';
import { DeviceSettingChange } from '../../common/device-setup.ts';
import type { CounterState } from '../core/counter-state.ts';
import type { CounterDevices } from './counter-devices.ts';

export type DeviceSetupCall =
  | 'getDeviceSetup'
  | 'listSerialPorts'
  | 'saveDeviceSetting'
  | 'resetDeviceSetting'
  | 'testPrinter'
  | 'pingEvaluator'
  | 'testEvaluatorRating'
  | 'testOutwardDisplay'
  | 'testVoice'
  | 'exportDeviceSetup'
  | 'importDeviceSetup'
  | 'reportOutwardAudio';

export function deviceSetupHandlers(deps: { state: CounterState; devices: CounterDevices }): CallHandlers<DeviceSetupCall> {
  const { state, devices } = deps;
  return {
    getDeviceSetup: () => devices.view(),
    listSerialPorts: () => devices.serialPorts(),
    // The bridge has checked the change; parsing again fills the defaults (e.g. printer.font) for a direct caller too.
    saveDeviceSetting: ({ change }) => devices.save(DeviceSettingChange.parse(change), state.requireManager().staffNo),
    resetDeviceSetting: ({ section }) => devices.reset(section),
    testPrinter: () => devices.testPrinter(),
    pingEvaluator: () => devices.pingEvaluator(),
    testEvaluatorRating: () => devices.testEvaluatorRating(),
    testOutwardDisplay: () => devices.testOutwardDisplay(),
    testVoice: () => devices.testVoice(),
    exportDeviceSetup: () => devices.exportSetup(),
    importDeviceSetup: ({ text }) => devices.importSetup(text, () => state.requireManager().staffNo),
    reportOutwardAudio: ({ state: audio }) => {
      devices.reportOutwardAudio(audio);
      return { voice: devices.voiceStatus(true) };
    },
  };
}
