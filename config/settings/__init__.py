"""Settings: `base` (shared, environment-driven), `local` (embedded default: SQLite, in-process
tasks), `production` (PostgreSQL, Redis, hardened), `test` (what the test suite runs)."""
