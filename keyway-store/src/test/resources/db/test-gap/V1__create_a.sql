-- first release
CREATE TABLE a (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL
);

INSERT INTO a (id, name) VALUES (1, 'one');
