// Golden-byte tests for BackendKeyData, ParameterStatus, ReadyForQuery and the admin output messages.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackendMessageTest {

    @Test
    void backendKeyData() {
        BackendKeyData msg = new BackendKeyData(4242, 0x01020304);
        byte[] expected = Golden.type('K').int32(12).int32(4242).int32(0x01020304).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, BackendKeyData::decode)).isEqualTo(msg);
    }

    @Test
    void backendKeyDataWithLongKeyIsRejected() {
        byte[] body = Golden.untyped().int32(1).int32(2).int32(3).bytes();
        assertThatThrownBy(() -> Golden.decodeBody(body, BackendKeyData::decode)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void parameterStatus() {
        ParameterStatus msg = new ParameterStatus("client_encoding", "UTF8");
        byte[] expected = Golden.type('S').int32(4 + 16 + 5).cstr("client_encoding").cstr("UTF8").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, ParameterStatus::decode)).isEqualTo(msg);
    }

    @Test
    void readyForQuery() {
        for (ReadyForQuery msg : List.of(ReadyForQuery.IDLE, ReadyForQuery.IN_TRANSACTION, ReadyForQuery.FAILED)) {
            byte[] expected = Golden.type('Z').int32(5).int8(msg.status().code).bytes();
            assertThat(Golden.encode(msg::encode)).containsExactly(expected);
            assertThat(Golden.decodeTyped(expected, ReadyForQuery::decode)).isSameAs(msg);
        }
        assertThat(Golden.encode(ReadyForQuery.IDLE::encode)).containsExactly(Golden.type('Z').int32(5).int8('I').bytes());
        assertThat(Golden.encode(ReadyForQuery.IN_TRANSACTION::encode))
                .containsExactly(Golden.type('Z').int32(5).int8('T').bytes());
        assertThat(Golden.encode(ReadyForQuery.FAILED::encode)).containsExactly(Golden.type('Z').int32(5).int8('E').bytes());
    }

    @Test
    void readyForQueryUnknownStatus() {
        ReadyForQuery msg = Golden.decodeTyped(Golden.type('Z').int32(5).int8('?').bytes(), ReadyForQuery::decode);
        assertThat(msg.status()).isEqualTo(TransactionStatus.UNKNOWN);
        assertThatThrownBy(() -> Golden.encode(msg::encode)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void commandComplete() {
        CommandComplete msg = new CommandComplete("SELECT 3");
        byte[] expected = Golden.type('C').int32(13).cstr("SELECT 3").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, CommandComplete::decode)).isEqualTo(msg);
    }

    @Test
    void rowDescriptionOfText() {
        RowDescription msg = RowDescription.ofText("database", "cl_active");
        Golden g = Golden.type('T').int32(4 + 2 + (9 + 18) + (10 + 18)).int16(2);
        for (String name : new String[] {"database", "cl_active"}) {
            g.cstr(name).int32(0).int16(0).int32(25).int16(-1).int32(-1).int16(0);
        }
        byte[] expected = g.bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, RowDescription::decode)).isEqualTo(msg);
    }

    @Test
    void rowDescriptionAllFields() {
        RowDescription msg = new RowDescription(List.of(
                new RowDescription.Field("id", 16384, (short) 1, 23, (short) 4, -1, (short) 1)));
        byte[] expected = Golden.type('T').int32(4 + 2 + 3 + 18).int16(1)
                .cstr("id").int32(16384).int16(1).int32(23).int16(4).int32(-1).int16(1).bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, RowDescription::decode)).isEqualTo(msg);
    }

    @Test
    void dataRowWithNullAndUtf8() {
        DataRow msg = new DataRow(Arrays.asList("pgbench", null, "é"));
        byte[] expected = Golden.type('D').int32(4 + 2 + (4 + 7) + 4 + (4 + 2)).int16(3)
                .int32(7).text("pgbench").int32(-1).int32(2).text("é").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, DataRow::decode)).isEqualTo(msg);
    }

    @Test
    void dataRowOfConvertsValues() {
        assertThat(DataRow.of("db", 3, 5L, null, true).values()).containsExactly("db", "3", "5", null, "true");
    }

    @Test
    void dataRowTruncatedValue() {
        byte[] body = Golden.untyped().int16(1).int32(10).text("abc").bytes();
        assertThatThrownBy(() -> Golden.decodeBody(body, DataRow::decode)).isInstanceOf(ProtocolException.class);
    }

    @Test
    void negotiateProtocolVersion() {
        NegotiateProtocolVersion msg = new NegotiateProtocolVersion(0, List.of("_pq_.foo"));
        byte[] expected = Golden.type('v').int32(4 + 4 + 4 + 9).int32(0).int32(1).cstr("_pq_.foo").bytes();
        assertThat(Golden.encode(msg::encode)).containsExactly(expected);
        assertThat(Golden.decodeTyped(expected, NegotiateProtocolVersion::decode)).isEqualTo(msg);
    }
}
