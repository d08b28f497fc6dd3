package banger.persistence;

import java.sql.Connection;
import java.sql.SQLException;

/** A unit of JDBC work run on a connection the caller does not own (the writer's or a pooled reader's). */
@FunctionalInterface
interface SqlWork<T> {
    T apply(Connection connection) throws SQLException;
}
