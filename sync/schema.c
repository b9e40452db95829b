/* See schema.h. Columns that are HLC timestamps, seqs or ms times are
 * INTEGER (they fit in 63 bits: the codec refuses anything larger). */
#include "lib/db.h"
#include "sync/schema.h"

static const DbMigration migrations[] = {
        { 1,
          /* Every entry this node holds, in the origin's byte form. sig is
           * present on chain heads. refused marks an authentic entry whose
           * actor lacked the right at event time: it stays in the chain but
           * the fold never applies it. */
          "CREATE TABLE journal ("
          "  id INTEGER PRIMARY KEY,"
          "  origin BLOB NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL, kind INTEGER NOT NULL,"
          "  hash BLOB NOT NULL, bytes BLOB NOT NULL, sig BLOB, refused INTEGER NOT NULL DEFAULT 0,"
          /* From the body, for the entity index: the fold entity key and,
           * for item entries naming a patron, that patron. */
          "  entity TEXT NOT NULL, link_patron TEXT,"
          "  UNIQUE (origin, seq));"
          /* Version vector: per origin the highest contiguous seq and its hash. */
          "CREATE TABLE vv (origin BLOB PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL) WITHOUT "
          "ROWID;"
          /* Authenticated entries waiting for a gap before them to fill. */
          "CREATE TABLE pending (origin BLOB NOT NULL, seq INTEGER NOT NULL, hash BLOB NOT NULL,"
          "  bytes BLOB NOT NULL, sig BLOB, PRIMARY KEY (origin, seq)) WITHOUT ROWID;"
          "CREATE TABLE quarantine (id INTEGER PRIMARY KEY, origin BLOB, seq INTEGER, hlc INTEGER,"
          "  hash BLOB NOT NULL, reason INTEGER NOT NULL, bytes BLOB);"
          /* A resend of a refused entry (the same bytes, the same reason)
           * records nothing new: quarantining is idempotent too. */
          "CREATE UNIQUE INDEX quarantine_entry ON quarantine (hash, reason);"
          /* Entity index: the fold entity each journal row belongs to and,
           * for an item entry naming a patron, that patron (link). Only the
           * row id: the fold reads (hlc, origin, seq) with the bytes and
           * sorts, and a narrow row keeps building the index cheap. */
          "CREATE TABLE entity_entry (entity TEXT NOT NULL, jid INTEGER NOT NULL, link TEXT,"
          "  PRIMARY KEY (entity, jid)) WITHOUT ROWID;"
          /* The entity index is brought up to date in bulk, sorted, by the
           * fold (journal_index_catch_up): appends stay sequential writes.
           * `through` is the journal id up to which it is complete. */
          "CREATE TABLE index_state (id INTEGER PRIMARY KEY CHECK (id = 1), through INTEGER NOT NULL);"
          "INSERT INTO index_state VALUES (1, 0);"
          /* Which items name a patron: the items a patron change re-folds,
           * and the way to a patron's loans (loan is clustered by item; an
           * index on loan.patron would cost a scattered page per loan row
           * on every fold). The way back is entity_entry.link. */
          "CREATE TABLE patron_item (patron TEXT NOT NULL, item TEXT NOT NULL,"
          "  PRIMARY KEY (patron, item)) WITHOUT ROWID;"
          /* Per-patron data keys, wrapped under the store's DB key. */
          "CREATE TABLE patron_key (key_id BLOB PRIMARY KEY, wrapped BLOB, destroyed INTEGER NOT NULL "
          "DEFAULT 0)"
          "  WITHOUT ROWID;"
          /* Materialised fold state. Personal fields only as ciphertext.
           * An erased patron is a stub row (its id, erased = 1, nothing
           * else): loans and holds keep a NULL patron, and no account,
           * payment, visit or losing edit of it remains. */
          "CREATE TABLE patron (id TEXT PRIMARY KEY, key_id BLOB, registered INTEGER NOT NULL,"
          "  blocked INTEGER NOT NULL, expiry INTEGER, erased INTEGER NOT NULL, erased_hlc INTEGER,"
          "  visits INTEGER NOT NULL, last_visit INTEGER, anon_cutoff INTEGER) WITHOUT ROWID;"
          "CREATE TABLE patron_field (patron TEXT NOT NULL, field INTEGER NOT NULL, ct BLOB NOT NULL,"
          "  hlc INTEGER NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL,"
          "  PRIMARY KEY (patron, field)) WITHOUT ROWID;"
          "CREATE TABLE account (patron TEXT PRIMARY KEY, fines INTEGER NOT NULL, payments INTEGER NOT NULL,"
          "  balance INTEGER NOT NULL) WITHOUT ROWID;"
          "CREATE TABLE payment (patron TEXT NOT NULL, payment_id TEXT NOT NULL, amount INTEGER NOT NULL,"
          "  origin BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (patron, payment_id)) WITHOUT ROWID;"
          "CREATE TABLE item (barcode TEXT PRIMARY KEY, title TEXT, stub INTEGER NOT NULL,"
          "  withdrawn INTEGER NOT NULL, on_loan INTEGER NOT NULL) WITHOUT ROWID;"
          /* Loans and holds are clustered by item: the fold rewrites an
           * item's rows together, so they share pages. A loan or hold is
           * named by the entry that opened it (origin, seq). */
          "CREATE TABLE loan (item TEXT NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL, patron TEXT,"
          "  start_hlc INTEGER NOT NULL, due INTEGER NOT NULL, end_hlc INTEGER, end_kind INTEGER,"
          "  renewals INTEGER NOT NULL, anonymised INTEGER NOT NULL, PRIMARY KEY (item, origin, seq)) "
          "WITHOUT ROWID;"
          "CREATE TABLE hold (item TEXT NOT NULL, origin BLOB NOT NULL, seq INTEGER NOT NULL, patron TEXT,"
          "  placed_hlc INTEGER NOT NULL, state INTEGER NOT NULL, retargets INTEGER NOT NULL,"
          "  PRIMARY KEY (item, origin, seq)) WITHOUT ROWID;"
          /* The deterministic exception list. detail names opaque ids only;
           * loser_ct keeps a losing concurrent edit (still ciphertext). */
          "CREATE TABLE exception (entity TEXT NOT NULL, hlc INTEGER NOT NULL, origin BLOB NOT NULL,"
          "  seq INTEGER NOT NULL, code INTEGER NOT NULL, detail TEXT NOT NULL, loser_ct BLOB,"
          "  PRIMARY KEY (entity, hlc, origin, seq, code, detail)) WITHOUT ROWID;" },
};

int sync_schema_apply(sqlite3 *db)
{
        return db_migrate(db, migrations, ELEMENTSOF(migrations));
}
