// The most server connections a config lets one Sluice open per database, for `sluice check`'s capacity warning.
package dev.sluice.proxy.check;

import dev.sluice.config.AuthType;
import dev.sluice.config.DatabaseConfig;
import dev.sluice.config.Settings;
import dev.sluice.config.SluiceConfig;
import dev.sluice.config.UserConfig;

/**
 * Pools are per (database, client user), so a database entry may open pool_size + reserve_pool per user
 * that can log in, capped by max_user_connections per user and max_db_connections overall. When the set of
 * users is open-ended (auth_type trust/any, auth_query, or the {@code *} entry, which serves any database
 * name) only max_db_connections bounds it.
 */
final class Capacity {
    private Capacity() {
    }

    /** The bound, or -1 when nothing bounds it; {@code why} gets a short explanation. */
    static int maxServers(SluiceConfig c, DatabaseConfig db, StringBuilder why) {
        int maxDb = db.maxDbConnections() != null ? db.maxDbConnections() : c.maxDbConnections();
        String open = openEnded(c, db);
        if (open != null) {
            if (maxDb > 0) {
                why.append("max_db_connections=").append(maxDb);
                return maxDb;
            }
            why.append("unbounded: ").append(open).append("; set max_db_connections");
            return -1;
        }
        int reserve = db.reservePool() != null ? db.reservePool() : c.reservePoolSize();
        long sum = 0;
        for (String user : c.userlist().users()) {
            UserConfig u = c.users().get(user);
            int size = u != null && u.poolSize() != null ? u.poolSize()
                    : db.poolSize() != null ? db.poolSize() : c.defaultPoolSize();
            int perUser = size + reserve;
            int maxUser = u != null && u.maxUserConnections() != null ? u.maxUserConnections() : c.maxUserConnections();
            if (maxUser > 0) {
                perUser = Math.min(perUser, maxUser);
            }
            sum += perUser;
        }
        why.append(c.userlist().size()).append(" users x (pool_size + reserve_pool)");
        if (maxDb > 0 && maxDb < sum) {
            why.setLength(0);
            why.append("max_db_connections=").append(maxDb);
            return maxDb;
        }
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    private static String openEnded(SluiceConfig c, DatabaseConfig db) {
        if (db.isFallback()) {
            return "the * entry serves any database name";
        }
        if (c.authType() == AuthType.ANY
                || ((c.authType() == AuthType.TRUST || c.authType() == AuthType.HBA) && c.userlist().size() == 0)) {
            return "auth_type " + c.authType() + " lets any user in";
        }
        if (db.authUser() != null || c.get(Settings.AUTH_USER) != null) {
            return "auth_query lets any PostgreSQL user in";
        }
        return null;
    }
}
