// Maps the cancel keys Sluice gave its clients to those clients, so a CancelRequest reaches the right backend.
package dev.sluice.proxy.client;

import java.security.SecureRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A client's key is (id, secret): the id is unique among live clients, the secret random. A cancel with an
 * unknown id or a wrong secret does nothing, as in PostgreSQL (which never answers a CancelRequest).
 */
public final class CancelRegistry {
    private final SecureRandom random = new SecureRandom();
    private final AtomicInteger next = new AtomicInteger(new SecureRandom().nextInt(1 << 30));
    private final ConcurrentHashMap<Integer, ClientConnection> clients = new ConcurrentHashMap<>();

    int newId() {
        int id;
        do {
            id = next.incrementAndGet() & 0x7fffffff;
        } while (id == 0 || clients.containsKey(id));
        return id;
    }

    int newSecret() {
        return random.nextInt();
    }

    void register(int id, ClientConnection c) {
        clients.put(id, c);
    }

    void remove(int id, ClientConnection c) {
        clients.remove(id, c);
    }

    /** Called from the cancel connection's loop; the client acts on its own loop. */
    public void cancel(int id, int secret) {
        ClientConnection c = clients.get(id);
        if (c != null && c.session().matches(secret)) {
            c.cancelRequested();
        }
    }

    public int size() {
        return clients.size();
    }
}
