package dev.keyway.store.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of database work run by {@link JdbcStore} on a connection it provides. */
@FunctionalInterface
public interface SqlWork<T> {
    T run(Connection c) throws SQLException;
}
