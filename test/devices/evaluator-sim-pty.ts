// The simulated evaluator on one end of a REAL serial line (a socat pty
// pair, test/helpers/pty-pair.ts); the counter or the driver opens `line.a`.
//
//   const device = await simulatedEvaluatorOnPty([3]);
//   await device.line.kill('SIGKILL'); … await device.line.restart();
//   await device.reattach();   // the device on the new ptys behind the same links
//   await device.close();
import { openSerialPort, type BytePort } from '../../main/devices/serial-line.ts';
import { EvaluatorSimulator } from '../../sim/evaluator/simulator.ts';
import { startPtyPair, type PtyPair } from '../helpers/pty-pair.ts';

export interface SimulatedEvaluatorOnPty {
  line: PtyPair;
  sim: EvaluatorSimulator;
  /** The device's end, open. */
  port: BytePort;
  /** What the simulator logged, one line each. */
  log: string[];
  /** Opens the device's end again (after line.restart()) and puts the simulator on it. */
  reattach(): Promise<void>;
  /** Stops the simulator, closes its end and the line. */
  close(): Promise<void>;
}

export async function simulatedEvaluatorOnPty(addresses: number[]): Promise<SimulatedEvaluatorOnPty> {
  const line = await startPtyPair();
  const log: string[] = [];
  const sim = new EvaluatorSimulator({ addresses, log: (l) => log.push(l) });
  const device: SimulatedEvaluatorOnPty = {
    line,
    sim,
    port: await openSerialPort({ path: line.b }),
    log,
    async reattach() {
      device.port = await openSerialPort({ path: line.b });
      sim.attach(device.port);
    },
    async close() {
      sim.stop();
      sim.detach();
      await device.port.close();
      await line.close();
    },
  };
  sim.attach(device.port);
  return device;
}
