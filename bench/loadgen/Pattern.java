import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * Upload content generated on the fly. A file's bytes are a window into one fixed random block
 * (period 1 MiB) starting at a per-file shift, so a 1 GiB upload needs no 1 GiB source and a
 * download can be checked at any offset without keeping the uploaded data around.
 * The block is stored twice in a row, so every window of up to one period is contiguous.
 */
final class Pattern {
    static final int PERIOD = 1 << 20;
    private final ByteBuffer block;

    Pattern(long seed) {
        byte[] b = new byte[2 * PERIOD];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = 0; i < PERIOD; i += 8) {
            long v = rnd.nextLong();
            for (int k = 0; k < 8; k++) {
                b[i + k] = (byte) (v >>> (8 * k));
            }
        }
        System.arraycopy(b, 0, b, PERIOD, PERIOD);
        block = ByteBuffer.allocateDirect(b.length).put(b).flip().asReadOnlyBuffer();
    }

    /** Distinct start offsets for distinct file numbers (odd step, power-of-two period). */
    static long shiftOf(long fileNo) {
        return Math.floorMod(fileNo * 4099L, PERIOD);
    }

    /** Bytes [pos, pos + len) of the file with this shift; len must not exceed {@link #PERIOD}. */
    ByteBuffer window(long shift, long pos, int len) {
        int start = (int) Math.floorMod(shift + pos, (long) PERIOD);
        return block.slice(start, len);
    }

    /** True if {@code got} (all its remaining bytes) equals the file's bytes starting at pos. */
    boolean matches(ByteBuffer got, long shift, long pos) {
        int off = got.position();
        int left = got.remaining();
        while (left > 0) {
            int n = Math.min(left, PERIOD);
            if (got.slice(off, n).mismatch(window(shift, pos, n)) != -1) {
                return false;
            }
            off += n;
            pos += n;
            left -= n;
        }
        return true;
    }
}
