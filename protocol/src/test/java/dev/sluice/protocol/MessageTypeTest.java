// Tests for the FrontendType and BackendType lookup tables.
package dev.sluice.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessageTypeTest {

    @Test
    void frontendCodesMatchTheProtocolDocs() {
        assertThat(FrontendType.of((byte) 'B')).isEqualTo(FrontendType.BIND);
        assertThat(FrontendType.of((byte) 'C')).isEqualTo(FrontendType.CLOSE);
        assertThat(FrontendType.of((byte) 'd')).isEqualTo(FrontendType.COPY_DATA);
        assertThat(FrontendType.of((byte) 'c')).isEqualTo(FrontendType.COPY_DONE);
        assertThat(FrontendType.of((byte) 'f')).isEqualTo(FrontendType.COPY_FAIL);
        assertThat(FrontendType.of((byte) 'D')).isEqualTo(FrontendType.DESCRIBE);
        assertThat(FrontendType.of((byte) 'E')).isEqualTo(FrontendType.EXECUTE);
        assertThat(FrontendType.of((byte) 'H')).isEqualTo(FrontendType.FLUSH);
        assertThat(FrontendType.of((byte) 'F')).isEqualTo(FrontendType.FUNCTION_CALL);
        assertThat(FrontendType.of((byte) 'P')).isEqualTo(FrontendType.PARSE);
        assertThat(FrontendType.of((byte) 'p')).isEqualTo(FrontendType.PASSWORD);
        assertThat(FrontendType.of((byte) 'Q')).isEqualTo(FrontendType.QUERY);
        assertThat(FrontendType.of((byte) 'S')).isEqualTo(FrontendType.SYNC);
        assertThat(FrontendType.of((byte) 'X')).isEqualTo(FrontendType.TERMINATE);
    }

    @Test
    void backendCodesMatchTheProtocolDocs() {
        String codes = "RK23CdcGHWDIEVvnNAtS1sZT";
        BackendType[] expected = {BackendType.AUTHENTICATION, BackendType.BACKEND_KEY_DATA,
            BackendType.BIND_COMPLETE, BackendType.CLOSE_COMPLETE, BackendType.COMMAND_COMPLETE,
            BackendType.COPY_DATA, BackendType.COPY_DONE, BackendType.COPY_IN_RESPONSE,
            BackendType.COPY_OUT_RESPONSE, BackendType.COPY_BOTH_RESPONSE, BackendType.DATA_ROW,
            BackendType.EMPTY_QUERY_RESPONSE, BackendType.ERROR_RESPONSE, BackendType.FUNCTION_CALL_RESPONSE,
            BackendType.NEGOTIATE_PROTOCOL_VERSION, BackendType.NO_DATA, BackendType.NOTICE_RESPONSE,
            BackendType.NOTIFICATION_RESPONSE, BackendType.PARAMETER_DESCRIPTION, BackendType.PARAMETER_STATUS,
            BackendType.PARSE_COMPLETE, BackendType.PORTAL_SUSPENDED, BackendType.READY_FOR_QUERY,
            BackendType.ROW_DESCRIPTION};
        for (int i = 0; i < expected.length; i++) {
            assertThat(BackendType.of((byte) codes.charAt(i))).isEqualTo(expected[i]);
            assertThat(expected[i].code).isEqualTo((byte) codes.charAt(i));
        }
        assertThat(expected).hasSize(BackendType.values().length - 1);
    }

    @Test
    void everyConstantRoundTripsAndOtherBytesAreUnknown() {
        int frontendKnown = 0;
        int backendKnown = 0;
        for (int b = 0; b < 256; b++) {
            FrontendType f = FrontendType.of((byte) b);
            BackendType k = BackendType.of((byte) b);
            if (f != FrontendType.UNKNOWN) {
                assertThat(f.code).isEqualTo((byte) b);
                frontendKnown++;
            }
            if (k != BackendType.UNKNOWN) {
                assertThat(k.code).isEqualTo((byte) b);
                backendKnown++;
            }
        }
        assertThat(frontendKnown).isEqualTo(FrontendType.values().length - 1);
        assertThat(backendKnown).isEqualTo(BackendType.values().length - 1);
        assertThat(FrontendType.of((byte) 0xFF)).isEqualTo(FrontendType.UNKNOWN);
        assertThat(BackendType.of((byte) 'x')).isEqualTo(BackendType.UNKNOWN);
    }

    @Test
    void sameByteMeansDifferentMessagesPerDirection() {
        assertThat(FrontendType.of((byte) 'D')).isEqualTo(FrontendType.DESCRIBE);
        assertThat(BackendType.of((byte) 'D')).isEqualTo(BackendType.DATA_ROW);
        assertThat(FrontendType.of((byte) 'S')).isEqualTo(FrontendType.SYNC);
        assertThat(BackendType.of((byte) 'S')).isEqualTo(BackendType.PARAMETER_STATUS);
    }

    @Test
    void transactionStatusLookup() {
        assertThat(TransactionStatus.of((byte) 'I')).isEqualTo(TransactionStatus.IDLE);
        assertThat(TransactionStatus.of((byte) 'T')).isEqualTo(TransactionStatus.IN_TRANSACTION);
        assertThat(TransactionStatus.of((byte) 'E')).isEqualTo(TransactionStatus.FAILED);
        assertThat(TransactionStatus.of((byte) 'x')).isEqualTo(TransactionStatus.UNKNOWN);
    }
}
