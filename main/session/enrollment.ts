// This counter's identity at the hall server: 注册 with a one-time code,
// 重新注册 with a new one (a manager, nothing left unsent), and moving the same
// identity to a new server address once that address proves it holds it.
import type { CallHandlers, CallInput, ClerkState } from '../../common/contract.ts';
import type { DeviceSetupView } from '../../common/device-setup.ts';
import { HallError } from '../../common/errors.ts';
import { DEVICE_TOKEN, NOT_ENROLLED_MESSAGE, type CounterState } from '../core/counter-state.ts';
import type { CaseService } from '../cases/case-service.ts';
import type { CounterDevices } from '../device-setup/counter-devices.ts';
import { HallClient } from '../hall-client.ts';
import type { RatingService } from '../ratings/rating-service.ts';
import type { StoredEnrollment } from '../store/counter-store.ts';
import { OutboxNotSettled, type Outbox } from '../store/outbox.ts';
import type { HallLink } from '../sync/hall-link.ts';
import type { Pusher } from '../sync/pusher.ts';
import { deviceProofMatches, expectedDeviceProof, newDeviceProofNonce } from './device-proof.ts';

export type EnrollmentCall = 'enroll' | 'reenroll' | 'changeServerAddress';

export interface EnrollmentDeps {
  state: CounterState;
  outbox: Outbox;
  pusher: Pusher;
  ratings: RatingService;
  cases: CaseService;
  devices: CounterDevices;
  link: HallLink;
  clerkState: () => ClerkState;
}

export class Enrollment {
  private readonly deps: EnrollmentDeps;
  private readonly state: CounterState;

  constructor(deps: EnrollmentDeps) {
    this.deps = deps;
    this.state = deps.state;
  }

  handlers(): CallHandlers<EnrollmentCall> {
    return {
      enroll: async (args) => {
        await this.enroll(args);
        this.deps.link.ensureConnecting();
        return this.deps.clerkState();
      },
      reenroll: (args) => this.reenroll(args),
      changeServerAddress: ({ serverUrl }) => this.changeServerAddress(serverUrl),
    };
  }

  /** 注册: also run on start by the demo launchers (CounterOptions.autoEnroll). */
  async enroll({ serverUrl, code }: CallInput<'enroll'>): Promise<void> {
    const state = this.state;
    if (state.enrollment) {
      throw new HallError('CONFLICT', `本终端已注册到 ${state.enrollment.serverUrl}，如需更换请联系管理员`, 409);
    }
    // The one-time code is spent by the server: first make sure the token can be kept.
    state.secrets.check?.();
    const client = new HallClient({ baseUrl: serverUrl, fetch: state.fetch });
    const result = await client.request('enroll', { body: { code, deviceName: state.options.deviceName } });
    if (result.role !== 'counter' || result.windowId === null) {
      throw new HallError('ENROLLMENT_CODE_INVALID', '该注册码不是窗口终端的注册码，请向管理员索取本窗口的注册码', 400);
    }
    state.secrets.set(DEVICE_TOKEN, result.token);
    const enrollment = {
      deviceId: result.deviceId,
      deviceNo: result.deviceNo,
      serverUrl: client.baseUrl,
      role: result.role,
      windowId: result.windowId,
    };
    state.store.saveEnrollment(enrollment);
    state.setEnrollment(enrollment);
    state.config = state.store.config();
    state.status = null;
    state.setLocked(false);
    void this.deps.devices.apply();
    state.log.info('enrolled', { deviceId: result.deviceId, deviceNo: result.deviceNo, windowId: result.windowId });
    state.publish();
  }

  /**
   * 重新注册 (设备设置, a manager): this counter takes a new device identity
   * from a new one-time code, perhaps at another window or hall. Only once the
   * hall server has acknowledged every record: the old identity's chain ends
   * with nothing left to send, the new one starts at seq 1
   * (Outbox.startNewChain, in the transaction that stores the enrollment). The
   * old enrollment and token stay until the server has issued new ones.
   * Afterwards nobody is signed in; the connection restarts at the new address.
   */
  private async reenroll({ serverUrl, code }: CallInput<'reenroll'>): Promise<ClerkState> {
    const { state, deps } = this;
    const manager = state.requireManager();
    const previous = state.enrollment;
    if (!previous) throw new HallError('NOT_ENROLLED', NOT_ENROLLED_MESSAGE, 409);
    this.requireAllAcknowledged('');
    // A rating prompt still open ends now, recorded as cancelled under the old
    // identity: that record reaches the hall server before the code is spent
    // (a few seconds at most; if it cannot, refused like any record not uploaded).
    if (deps.ratings.cancelOpen()) {
      const deadline = Date.now() + 5000;
      while (deps.outbox.unsentCount() > 0 && Date.now() < deadline && !state.closed) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      this.requireAllAcknowledged('');
    }
    // The one-time code is spent by the server: first make sure the token can be kept.
    state.secrets.check?.();
    const client = new HallClient({ baseUrl: serverUrl, fetch: state.fetch });
    const keep = `本终端仍按原注册（${previous.serverUrl}）使用`;
    let result;
    try {
      result = await client.request('enroll', { body: { code, deviceName: state.options.deviceName } });
    } catch (error) {
      if (!(error instanceof HallError)) throw error;
      state.log.warn('re-enrollment refused', { serverUrl: client.baseUrl, code: error.code });
      throw new HallError(error.code, `${error.message}；${keep}`, error.status, error.details);
    }
    if (result.role !== 'counter' || result.windowId === null) {
      throw new HallError(
        'ENROLLMENT_CODE_INVALID',
        `该注册码不是窗口终端的注册码（已被用掉），请向管理员索取窗口的注册码；${keep}`,
        400,
      );
    }
    // The old link's pulls (and walk-in leases) still running would write the old
    // window's data after the reset: the live stream ends and they finish first.
    await deps.link.settle();
    if (state.closed) throw new HallError('INTERNAL', '终端正在关闭，重新注册未完成；请重新获取注册码后再试', 503);
    const spent = `（注册码 ${code} 已被用掉，请向管理员重新获取）`;
    this.requireAllAcknowledged(spent);
    const enrollment: StoredEnrollment = {
      deviceId: result.deviceId,
      deviceNo: result.deviceNo,
      serverUrl: client.baseUrl,
      role: result.role,
      windowId: result.windowId,
    };
    const oldToken = state.secrets.get(DEVICE_TOKEN);
    state.secrets.set(DEVICE_TOKEN, result.token);
    let chain: { acked: number; rejected: number } = { acked: 0, rejected: 0 };
    try {
      state.store.saveReenrollment(enrollment, () => (chain = deps.outbox.startNewChain()));
    } catch (error) {
      if (oldToken !== null) state.secrets.set(DEVICE_TOKEN, oldToken);
      if (error instanceof OutboxNotSettled) throw unsentRecords(error.unsent, spent);
      throw error;
    }
    state.setEnrollment(enrollment);
    state.config = state.store.config();
    state.status = null;
    state.offlineClerk = null;
    state.setLocked(false);
    deps.cases.clearShown();
    deps.ratings.clerkSignedOut();
    state.connection = { state: 'connecting', serverUrl: enrollment.serverUrl, since: state.clock().toISOString(), reason: null };
    state.log.info('re-enrolled', {
      by: manager.staffNo,
      from: { deviceId: previous.deviceId, windowId: previous.windowId, serverUrl: previous.serverUrl },
      to: {
        deviceId: enrollment.deviceId,
        deviceNo: enrollment.deviceNo,
        windowId: enrollment.windowId,
        serverUrl: enrollment.serverUrl,
      },
      prunedAcked: chain.acked,
      prunedRejected: chain.rejected,
    });
    // The manager also leaves the old window on the server (best effort: the old token still works there).
    if (oldToken !== null) {
      new HallClient({ baseUrl: previous.serverUrl, token: oldToken, fetch: state.fetch })
        .request('signOut')
        .catch((error: unknown) => state.log.warn('sign-out at the old window failed', { error: String(error) }));
    }
    void deps.devices.apply();
    // Reconnect at once to the (possibly new) server, as the new device.
    deps.link.reconnectNow();
    state.publish();
    return deps.clerkState();
  }

  /** Re-enrollment waits until the hall server holds every record of this identity. */
  private requireAllAcknowledged(suffix: string): void {
    const unsent = this.deps.outbox.unsentCount();
    if (unsent > 0) throw unsentRecords(unsent, suffix);
    const phase = this.deps.pusher.status().phase;
    if (phase === 'pushing' || phase === 'waiting') {
      throw new HallError('CONFLICT', `正在与大厅服务器核对已上传的记录，请稍候再试${suffix}`, 409);
    }
  }

  /**
   * The same device (same token) at a new address: kept only when that server accepts this device.
   * The token goes there only after the server has proved it holds this device's registration
   * (设备核对, common/http-api.ts deviceProof): a mistyped or hostile address never receives it.
   */
  private async changeServerAddress(serverUrl: string): Promise<DeviceSetupView> {
    const state = this.state;
    const { enrollment, windowId } = state.requireEnrolled();
    const token = state.secrets.get(DEVICE_TOKEN);
    if (!token) throw new HallError('NOT_ENROLLED', '本终端的设备令牌丢失，请联系管理员重新注册', 409);
    // No token on this client: nothing secret goes to the address before it proves itself.
    // Redirects are not followed: the proof must come from this address, not one it points to.
    const fetchImpl = state.fetch ?? fetch;
    const probe = new HallClient({
      baseUrl: serverUrl,
      fetch: (input, init) => fetchImpl(input, { ...init, redirect: 'manual' }),
    });
    const keep = `仍使用原地址 ${enrollment.serverUrl}`;
    const unproven = `新地址 ${probe.baseUrl} 不是本大厅的服务器`;
    const notSent = `未发送设备令牌；请核对地址；${keep}`;
    const nonce = newDeviceProofNonce();
    let proof: string;
    try {
      ({ proof } = await probe.request('deviceProof', { params: { deviceId: enrollment.deviceId }, body: { nonce } }));
    } catch (error) {
      const reason = error instanceof HallError ? error : null;
      let message: string;
      if (reason?.code === 'SERVER_UNREACHABLE') {
        message = `新地址 ${probe.baseUrl} 无法连接（${reason.message}）：请核对地址和网络；未发送设备令牌；${keep}`;
      } else if (reason?.code === 'BUSY') {
        message = `新地址 ${probe.baseUrl} 的服务器暂不受理核对（${reason.message}），未发送设备令牌；请稍后再试；${keep}`;
      } else if (reason?.code === 'NOT_FOUND') {
        // No record of this device there, or no such route (not a hall server, or one too old to prove itself).
        message = `${unproven}：该服务器不认可本终端（未能证明其持有本终端的注册信息；如确为本大厅服务器，请先将其升级到最新版本），${notSent}`;
      } else {
        message = `${unproven}（未能证明其持有本终端的注册信息：${reason?.message ?? String(error)}），${notSent}`;
      }
      state.log.warn('server address not changed: no device proof', { serverUrl: probe.baseUrl, error: String(error) });
      throw new HallError(reason?.code === 'SERVER_UNREACHABLE' ? 'SERVER_UNREACHABLE' : 'BAD_REQUEST', message, 400);
    }
    if (!deviceProofMatches(expectedDeviceProof(token, enrollment.deviceId, nonce), proof)) {
      state.log.warn('server address not changed: device proof mismatch', { serverUrl: probe.baseUrl });
      throw new HallError(
        'BAD_REQUEST',
        `${unproven}：该服务器不认可本终端（其核对应答与本终端的注册信息不符，未能证明其持有本终端的注册信息），${notSent}`,
        400,
      );
    }
    const client = probe.withToken(token);
    try {
      await client.request('windowStatus', { params: { id: windowId } });
    } catch (error) {
      const reason = error instanceof HallError ? error : null;
      let message: string;
      if (reason?.code === 'SERVER_UNREACHABLE') message = `新地址 ${client.baseUrl} 无法连接（${reason.message}）：请核对地址和网络；${keep}`;
      else if (reason?.code === 'UNAUTHORIZED' || reason?.code === 'FORBIDDEN') {
        message = `新地址 ${client.baseUrl} 的服务器不认可本终端（不是本大厅的服务器，或本终端已被注销）：请核对地址；${keep}`;
      } else if (reason?.code === 'NOT_FOUND') {
        message = `新地址 ${client.baseUrl} 的服务器上没有本终端的窗口：请核对地址是否为本大厅服务器；${keep}`;
      } else message = `新地址 ${client.baseUrl} 核对失败（${reason?.message ?? String(error)}）；${keep}`;
      state.log.warn('server address not changed', { serverUrl: client.baseUrl, error: String(error) });
      throw new HallError(reason?.code === 'SERVER_UNREACHABLE' ? 'SERVER_UNREACHABLE' : 'BAD_REQUEST', message, 400);
    }
    state.setEnrollment(state.store.saveServerUrl(client.baseUrl));
    state.log.info('server address changed', { from: enrollment.serverUrl, to: client.baseUrl });
    state.connection = { ...state.connection, serverUrl: client.baseUrl };
    // Reconnect: the live stream ends, the next attempt goes at once to the new address.
    this.deps.link.reconnectNow();
    state.publish();
    return this.deps.devices.view();
  }
}

function unsentRecords(unsent: number, suffix: string): HallError {
  return new HallError(
    'CONFLICT',
    `还有 ${unsent} 条记录未上传到大厅服务器，重新注册会使这些记录无法上传：请先联网等待上传完成${suffix}`,
    409,
  );
}
