// CommandComplete ('C'): the command tag ending a statement's results, e.g. "SELECT 3".
package dev.sluice.protocol;

import io.netty.buffer.ByteBuf;

/** CommandComplete. */
public record CommandComplete(String tag) {

    public static CommandComplete decode(ByteBuf body) {
        CommandComplete result = new CommandComplete(Wire.readCString(body));
        Wire.expectEnd(body, "CommandComplete");
        return result;
    }

    public void encode(ByteBuf out) {
        int lengthIndex = Wire.beginMessage(out, BackendType.COMMAND_COMPLETE.code);
        Wire.writeCString(out, tag);
        Wire.endMessage(out, lengthIndex);
    }
}
