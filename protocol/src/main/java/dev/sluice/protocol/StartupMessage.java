// StartupMessage: protocol version plus the user, database and other session parameters.
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * StartupMessage. Parameters keep the client's order, because the proxy replays them to the
 * server and order decides which of two duplicate GUC settings wins.
 *
 * @param protocolVersion major in the high 16 bits, minor in the low 16 (196608 = 3.0)
 * @param parameters unmodifiable, in wire order
 */
public record StartupMessage(int protocolVersion, Map<String, String> parameters) implements StartupPacket {

    /** Prefix of protocol extension options; the server lists unknown ones in NegotiateProtocolVersion. */
    public static final String PROTOCOL_OPTION_PREFIX = "_pq_.";

    public StartupMessage {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** A protocol 3.0 StartupMessage. */
    public StartupMessage(Map<String, String> parameters) {
        this(PROTOCOL_3_0, parameters);
    }

    /** Decodes the key/value pairs after the protocol version. */
    static StartupMessage decode(int protocolVersion, ByteBuf body) {
        Map<String, String> parameters = new LinkedHashMap<>();
        while (true) {
            if (!body.isReadable()) {
                throw new ProtocolException("invalid startup packet layout: expected terminator as last byte");
            }
            String key = Wire.readCString(body);
            if (key.isEmpty()) {
                break;
            }
            parameters.put(key, Wire.readCString(body));
        }
        // PostgreSQL requires the terminator to be the last byte; anything after it is garbage.
        if (body.isReadable()) {
            throw new ProtocolException("invalid startup packet layout: expected terminator as last byte");
        }
        String user = parameters.get("user");
        if (user == null || user.isEmpty()) {
            throw new ProtocolException(SqlState.INVALID_AUTHORIZATION_SPECIFICATION,
                    "no PostgreSQL user name specified in startup packet");
        }
        return new StartupMessage(protocolVersion, parameters);
    }

    @Override
    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginUntyped(out);
        out.writeInt(protocolVersion);
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            Wire.writeCString(out, e.getKey());
            Wire.writeCString(out, e.getValue());
        }
        out.writeByte(0);
        Wire.endMessage(out, lengthIndex);
    }

    public int majorVersion() {
        return protocolVersion >>> 16;
    }

    public int minorVersion() {
        return protocolVersion & 0xFFFF;
    }

    public String user() {
        return parameters.get("user");
    }

    /** The database, defaulting to the user name when absent or empty, as PostgreSQL does. */
    public String database() {
        String db = parameters.get("database");
        return db == null || db.isEmpty() ? user() : db;
    }

    /** The application_name parameter, or null. */
    public String applicationName() {
        return parameters.get("application_name");
    }

    /** Names of {@code _pq_.} protocol options, which the pooler must list as unrecognized. */
    public List<String> protocolOptions() {
        List<String> options = new ArrayList<>();
        for (String key : parameters.keySet()) {
            if (key.startsWith(PROTOCOL_OPTION_PREFIX)) {
                options.add(key);
            }
        }
        return options;
    }
}
