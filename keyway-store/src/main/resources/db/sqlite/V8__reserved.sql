-- Placeholder on branch h/approval only: V8 is reserved for another branch's migration, and the
-- migrator refuses gaps. At merge, replace this file (and its line in migrations.txt) with that V8.
SELECT 1;
