-- Paying a batch reads each winning stake's id and user in id order: with the user
-- in the queue index, the index alone answers and no stake row is read per winner.
DROP INDEX stakes_queue;
CREATE INDEX stakes_queue ON stakes(challenge_id, side, status, id, user_id);
