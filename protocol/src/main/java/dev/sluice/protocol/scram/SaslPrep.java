// SASLprep (RFC 4013) of passwords, following PostgreSQL's pg_saslprep including its fallbacks.
package dev.sluice.protocol.scram;

import java.text.Normalizer;

/**
 * Prepares a password the way PostgreSQL's {@code pg_saslprep} does, because both sides must hash
 * identical bytes. Like PostgreSQL, a password that fails preparation (prohibited characters, bidi
 * rules, empty after mapping) is used as is rather than rejected: PostgreSQL stored its verifier
 * from the raw bytes in that case. Java's Unicode tables are newer than the 3.2 tables
 * PostgreSQL uses, which only matters for code points unassigned in 3.2.
 */
final class SaslPrep {
    private SaslPrep() {
    }

    static String prepare(String password) {
        // pg_saslprep leaves pure ASCII untouched (no control-character checks either).
        if (isAscii(password)) {
            return password;
        }
        StringBuilder mapped = new StringBuilder(password.length());
        password.codePoints().forEach(cp -> {
            if (isNonAsciiSpace(cp)) {
                mapped.append(' ');
            } else if (!isMappedToNothing(cp)) {
                mapped.appendCodePoint(cp);
            }
        });
        if (mapped.length() == 0) {
            return password;
        }
        String normalized = Normalizer.normalize(mapped, Normalizer.Form.NFKC);
        if (normalized.codePoints().anyMatch(SaslPrep::isProhibited) || !bidiOk(normalized)) {
            return password;
        }
        return normalized;
    }

    private static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** RFC 3454 table C.1.2. */
    private static boolean isNonAsciiSpace(int cp) {
        return cp == 0x00A0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }

    /** RFC 3454 table B.1. */
    private static boolean isMappedToNothing(int cp) {
        return cp == 0x00AD || cp == 0x034F || cp == 0x1806 || (cp >= 0x180B && cp <= 0x180D)
                || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || (cp >= 0xFE00 && cp <= 0xFE0F)
                || cp == 0xFEFF;
    }

    /** RFC 4013 section 2.3 prohibited output (tables C.1.2, C.2.1 to C.9) plus unassigned code points. */
    private static boolean isProhibited(int cp) {
        return isNonAsciiSpace(cp)
                || cp < 0x20 || cp == 0x7F // C.2.1
                || (cp >= 0x80 && cp <= 0x9F) || cp == 0x06DD || cp == 0x070F || cp == 0x180E // C.2.2
                || cp == 0x200C || cp == 0x200D || cp == 0x2028 || cp == 0x2029
                || (cp >= 0x2060 && cp <= 0x2063) || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF
                || (cp >= 0xFFF9 && cp <= 0xFFFC) || (cp >= 0x1D173 && cp <= 0x1D17A)
                || (cp >= 0xE000 && cp <= 0xF8FF) || (cp >= 0xF0000 && cp <= 0xFFFFD) // C.3
                || (cp >= 0x100000 && cp <= 0x10FFFD)
                || (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE // C.4
                || (cp >= 0xD800 && cp <= 0xDFFF) // C.5
                || cp == 0xFFFD // C.6 (FFF9-FFFC are already covered by C.2.2)
                || (cp >= 0x2FF0 && cp <= 0x2FFB) // C.7
                || cp == 0x0340 || cp == 0x0341 || cp == 0x200E || cp == 0x200F // C.8
                || (cp >= 0x202A && cp <= 0x202E)
                || cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F) // C.9
                || Character.getType(cp) == Character.UNASSIGNED; // A.1
    }

    /** RFC 3454 section 6: RandALCat text must not mix with LCat and must start and end with RandALCat. */
    private static boolean bidiOk(String s) {
        boolean hasRandAL = false;
        boolean hasL = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            hasRandAL |= isRandAL(cp);
            hasL |= Character.getDirectionality(cp) == Character.DIRECTIONALITY_LEFT_TO_RIGHT;
            i += Character.charCount(cp);
        }
        if (!hasRandAL) {
            return true;
        }
        return !hasL && isRandAL(s.codePointAt(0)) && isRandAL(s.codePointBefore(s.length()));
    }

    private static boolean isRandAL(int cp) {
        byte d = Character.getDirectionality(cp);
        return d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
    }
}
