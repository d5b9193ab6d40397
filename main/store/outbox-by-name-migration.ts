// Counter migration (issue 19, point 7: the counter at scale): an index on
// the outbox by record name. The outbox keeps every record (acknowledged ones
// are never pruned in use), so after months it holds tens of thousands, and
// the start-up check of the records (main/sync/self-check.ts) asked two
// questions by name that read every one of them at each start: the last
// sync.gap_lost record (usually none: a scan of the whole table, ≈ 40 ms warm
// and ≈ 400 ms with a cold disk cache at 25,000 records), and how many
// rating.recorded records the server acknowledged. With (name, seq) the first
// is one seek from the end of its name, the second reads only its name's
// entries. bench/counter-scale.ts measures the start with 10,000 cases.
import type Database from 'better-sqlite3';
import type { MigrationStep } from '../../common/migrations.ts';

export const outboxByNameMigration: MigrationStep<Database.Database> = {
  name: 'outbox by name: the start-up check finds the last gap record without reading every record',
  up(db) {
    db.exec('CREATE INDEX outbox_by_name ON outbox (name, seq);');
  },
};
