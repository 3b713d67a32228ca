// What a server still owes its client, message by message, so Sluice can hide, add or undo replies in order.
package dev.sluice.proxy.prepared;

/**
 * A ring of (kind, statement, client name) entries, one per extended-protocol message or query sent. Kinds
 * name what ends the entry and what Sluice does then (forward, swallow, emit a reply of its own).
 */
final class ReplyQueue {
    // kinds
    static final byte PARSE = 1;            // forwarded Parse: ends with '1'
    static final byte CLIENT_PARSE = 2;     // client's named Parse, rewritten: '1'; undo on error
    static final byte INJECTED_PARSE = 3;   // Sluice's own Parse: '1' swallowed; undo on error
    static final byte SYNTH_PARSE = 4;      // server already had it: Sluice emits '1'
    static final byte BIND = 5;             // '2'
    static final byte DESCRIBE = 6;         // 'T' or 'n' (after 't' for a statement)
    static final byte EXECUTE = 7;          // 'C', 'I' or 's'
    static final byte CLOSE = 8;            // forwarded Close: '3'
    static final byte INJECTED_CLOSE = 9;   // Sluice's eviction Close: '3' swallowed
    static final byte SYNTH_CLOSE = 10;     // client's statement Close: Sluice emits '3'
    static final byte SYNC = 11;            // 'Z'
    static final byte QUERY = 12;           // simple Query or FunctionCall: 'Z'

    private byte[] kinds = new byte[16];
    private Object[] statements = new Object[16];
    private Object[] extras = new Object[16];
    private int head;
    private int size;

    boolean isEmpty() {
        return size == 0;
    }

    void add(byte kind, Statement s, Object extra) {
        if (size == kinds.length) {
            grow();
        }
        int i = (head + size) & (kinds.length - 1);
        kinds[i] = kind;
        statements[i] = s;
        extras[i] = extra;
        size++;
    }

    byte kind() {
        return size == 0 ? 0 : kinds[head];
    }

    Statement statement() {
        return (Statement) statements[head];
    }

    Object extra() {
        return extras[head];
    }

    void pop() {
        statements[head] = null;
        extras[head] = null;
        head = (head + 1) & (kinds.length - 1);
        size--;
    }

    void clear() {
        while (size > 0) {
            pop();
        }
    }

    private void grow() {
        int n = kinds.length;
        byte[] k = new byte[n * 2];
        Object[] s = new Object[n * 2];
        Object[] e = new Object[n * 2];
        for (int j = 0; j < size; j++) {
            int i = (head + j) & (n - 1);
            k[j] = kinds[i];
            s[j] = statements[i];
            e[j] = extras[i];
        }
        kinds = k;
        statements = s;
        extras = e;
        head = 0;
    }
}
