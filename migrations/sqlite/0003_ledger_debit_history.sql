-- Payouts and refunds always debit a challenge's escrow, and nothing reads an
-- escrow's history row by row: leaving those rows out of the debit history spares
-- every paid winner one index insert. A wallet's debits (its stakes) stay indexed.
DROP INDEX ledger_by_debit;
CREATE INDEX ledger_by_debit ON ledger_tx(debit_account_id, id) WHERE kind NOT IN ('payout', 'refund');
