// Offline sign-in: after a clerk signs in online, the counter keeps a slow
// salted scrypt verifier of the password (never the password itself) and the
// staff profile, so that the same clerk can sign in here while the hall
// server is unreachable. A password the server refuses drops the verifier.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import { Staff } from '../../common/model.ts';
import type { Db } from '../store/database.ts';

/** scrypt cost: N = 2^15, r = 8, p = 1 (≈ 32 MiB and tens of ms per check). */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;

const Verifier = z.object({
  alg: z.literal('scrypt'),
  N: z.number().int().positive(),
  r: z.number().int().positive(),
  p: z.number().int().positive(),
  salt: z.string().min(1),
  hash: z.string().min(1),
});
type Verifier = z.infer<typeof Verifier>;

export type OfflineCheck = { result: 'ok'; staff: Staff } | { result: 'wrong-password' } | { result: 'unknown' };

function derive(password: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { ...params, maxmem: 256 * params.N * params.r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

export class ClerkCredentials {
  private readonly db: Db;
  private readonly clock: () => Date;
  private readonly params: { N: number; r: number; p: number };

  constructor(db: Db, options: { clock?: () => Date; params?: { N: number; r: number; p: number } } = {}) {
    this.db = db;
    this.clock = options.clock ?? (() => new Date());
    this.params = options.params ?? SCRYPT_PARAMS;
  }

  /** After the server accepted `password` for `staff`: a fresh salt and verifier, and the profile. */
  async remember(staff: Staff, password: string): Promise<void> {
    const salt = randomBytes(16);
    const hash = await derive(password, salt, this.params);
    const verifier: Verifier = { alg: 'scrypt', ...this.params, salt: salt.toString('base64'), hash: hash.toString('base64') };
    this.db
      .prepare(
        `INSERT INTO clerk_credential (staff_no, verifier, profile, verified_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (staff_no) DO UPDATE SET verifier = excluded.verifier, profile = excluded.profile,
           verified_at = excluded.verified_at`,
      )
      .run(staff.staffNo, JSON.stringify(verifier), JSON.stringify(staff), this.clock().toISOString());
  }

  /** The server refused this clerk's password: it no longer opens this counter offline either. */
  forget(staffNo: string): void {
    this.db.prepare('DELETE FROM clerk_credential WHERE staff_no = ?').run(staffNo);
  }

  async check(staffNo: string, password: string): Promise<OfflineCheck> {
    const row = this.db.prepare('SELECT verifier, profile FROM clerk_credential WHERE staff_no = ?').get(staffNo) as
      | { verifier: string; profile: string }
      | undefined;
    if (!row) return { result: 'unknown' };
    const verifier = Verifier.safeParse(JSON.parse(row.verifier));
    const staff = Staff.safeParse(JSON.parse(row.profile));
    if (!verifier.success || !staff.success) return { result: 'unknown' };
    const expected = Buffer.from(verifier.data.hash, 'base64');
    const actual = await derive(password, Buffer.from(verifier.data.salt, 'base64'), verifier.data);
    const same = actual.length === expected.length && timingSafeEqual(actual, expected);
    return same ? { result: 'ok', staff: staff.data } : { result: 'wrong-password' };
  }
}
