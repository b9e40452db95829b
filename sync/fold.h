/* The circulation fold: state is a pure function of the set of journal
 * entries. Entries are applied in (hlc, origin, seq) order to five entity
 * kinds (patron, item, loan, hold, account) and the result is materialised in
 * SQLite tables that services and clients query (schema.c), together with a
 * deterministic exception list.
 *
 * Scopes. Each entry belongs to one fold entity: its patron (register,
 * update, block, unblock, erase, fine, payment, visit, loan-anonymise) or its
 * item (add, update, withdraw, checkout, checkin, renew, hold place/cancel).
 * An item's fold reads the state of the patrons its entries name at event
 * time; a patron's fold reads nothing else. So a late entry re-folds only
 * its own entity, the patrons that entity's entries name, and, when it can
 * change how an item entry folds (register, update, block, unblock, erase,
 * loan-anonymise), the items that patron's entries touch.
 *
 * Conflict rules (event time is the entry's HLC; see docs/protocols.md):
 *   checkout of an item on loan to another patron: the open loan ends by an
 *     implicit checkin at this time, the new loan opens -> IMPLICIT_CHECKIN
 *   checkout of an item on loan to the same patron: a renewal, under the
 *     renewal's rules (limit, other patrons' holds) -> RENEW_BLOCKED if refused
 *   checkin of an item not on loan: no-op; CHECKIN_NOT_ON_LOAN unless the
 *     item's last loan was ended by a checkin (a duplicate checkin)
 *   renewal when the patron holds no open loan of it -> RENEW_AFTER_RETURN
 *   renewal while another patron has an active hold, or over the limit:
 *     refused, due unchanged -> RENEW_BLOCKED
 *   checkout to a patron blocked or expired at that time: accepted ->
 *     PATRON_BLOCKED_OVERRIDE
 *   checkout of an item whose first active hold is another patron's:
 *     accepted, that hold stays queued for the next return -> HOLD_RETARGETED
 *   any entry naming an item never added (by then): applied to a stub item
 *     -> ITEM_UNKNOWN
 *   any entry touching a patron erased before it, except a loan-anonymise
 *     (which only removes links): applied to the anonymous stub only,
 *     personal fields dropped -> SUBJECT_ERASED
 *
 * Erasure. An erased patron is written as a stub linked to nothing (no key
 * id, visits, account, payments or losing edits; its loans and holds with a
 * NULL patron), and every key id any of its entries named is destroyed in
 * the key store (a tombstone, whether or not the key is held), in the same
 * transaction: erasure needs no separate shred step.
 *   update of a field whose current version the writer did not see (its
 *     base differs): the later (hlc, origin) wins, the loser's entry id and
 *     ciphertext go into the exception -> CONCURRENT_EDIT
 *   fines and payments add up; a payment id already counted for the patron
 *     collapses -> DUPLICATE_PAYMENT
 *   an authentic entry whose actor lacked the right: kept in the chain,
 *     never applied -> QUARANTINED
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sync/journal.h"

/* Renewals allowed per loan until an ENTRY_FOLD_PARAMS entry says otherwise. */
#define FOLD_RENEW_LIMIT_DEFAULT 3

typedef enum FoldException {
        EXC_IMPLICIT_CHECKIN = 1,
        EXC_CHECKIN_NOT_ON_LOAN,
        EXC_RENEW_AFTER_RETURN,
        EXC_RENEW_BLOCKED,
        EXC_PATRON_BLOCKED_OVERRIDE,
        EXC_HOLD_RETARGETED,
        EXC_ITEM_UNKNOWN,
        EXC_SUBJECT_ERASED,
        EXC_CONCURRENT_EDIT,
        EXC_DUPLICATE_PAYMENT,
        EXC_QUARANTINED,
        EXC_CLOCK_SKEW, /* raised by the exchange, kept in the quarantine table */
        _EXC_MAX,
} FoldException;

typedef enum LoanEnd {
        LOAN_END_CHECKIN = 1,
        LOAN_END_IMPLICIT = 2,
} LoanEnd;

typedef enum HoldState {
        HOLD_ACTIVE = 1,
        HOLD_CANCELLED = 2,
        HOLD_FILLED = 3,
} HoldState;

const char *fold_exception_to_string(FoldException e);

/* BLAKE2b-256 over every state table and the exception list, row by row in
 * primary-key order: equal digests mean equal state. Integers and lengths
 * are hashed as fixed-width little-endian, so digests compare across
 * machines of any byte order (a hub with its branches). Returns 0 or
 * -errno. */
int fold_digest(Journal *j, uint8_t ret[32]);
