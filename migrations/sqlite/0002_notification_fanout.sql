-- (PostgreSQL only: SQLite has a single writer, so the fan-out follows ids.)
SELECT 1;
